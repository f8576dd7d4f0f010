import { createHash } from 'node:crypto';
import { open, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ConfigurationError } from '../errors.js';

/** Reads of 4 MiB, two in turn: the next read runs while the current chunk is hashed. */
const CHUNK = 4 * 1024 * 1024;

export interface FileDigest {
  size: number;
  sha256: string;
}

/** SHA-256 and size of a file, reading ahead while hashing so the disk and the hash overlap. */
export async function hashFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    let turn = 0;
    let size = 0;
    let pending = handle.read(buffers[0], 0, CHUNK, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const current = buffers[turn];
      size += bytesRead;
      turn ^= 1;
      pending = handle.read(buffers[turn], 0, CHUNK, size);
      hash.update(current.subarray(0, bytesRead));
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/**
 * Every regular file under a folder as a `/`-separated relative path, sorted. Symbolic links and other
 * special files are refused (a link could point outside the model).
 */
export async function listFiles(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ConfigurationError(`Model folder '${root}' does not exist or is not a folder.`);
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const path = relative(root, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (!entry.isFile()) throw new ConfigurationError(`Model folder '${root}' holds '${path}', which is not a regular file (links are refused).`);
    files.push(path);
  }
  return files.sort();
}
