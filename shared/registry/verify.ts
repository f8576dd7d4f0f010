import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError } from './errors.js';
import { hashFile, listFiles } from './local-files.js';
import type { ModelManifest } from './manifest.js';

/**
 * Checks that a local folder is exactly the manifest's files: none missing, none extra, each of the listed
 * size and SHA-256. Throws an IntegrityError naming the first file that differs. For `model-path` and for a
 * download folder that already exists.
 */
export async function verifyFolder(folder: string, manifest: ModelManifest): Promise<void> {
  const present = new Set(await listFiles(folder));
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const f of manifest.files) {
    if (!present.has(f.path)) throw new IntegrityError(`File '${f.path}' of ${manifest.name} ${manifest.version} is missing from '${folder}'.`, f.path);
  }
  for (const p of present) {
    if (!listed.has(p)) throw new IntegrityError(`File '${p}' in '${folder}' is not in the manifest of ${manifest.name} ${manifest.version}.`, p);
  }
  for (const f of manifest.files) {
    const size = (await stat(join(folder, f.path))).size;
    if (size !== f.size) throw sizeMismatch(f.path, size, f.size);
  }
  for (const f of manifest.files) {
    const actual = await hashFile(join(folder, f.path));
    if (actual.size !== f.size) throw sizeMismatch(f.path, actual.size, f.size);
    if (actual.sha256 !== f.sha256) throw digestMismatch(f.path, actual.sha256, f.sha256);
  }
}

export function sizeMismatch(path: string, actual: number, expected: number): IntegrityError {
  return new IntegrityError(`File '${path}' has ${actual} bytes, but the manifest says ${expected}.`, path);
}

export function digestMismatch(path: string, actual: string, expected: string): IntegrityError {
  return new IntegrityError(`File '${path}' has SHA-256 ${actual}, but the manifest says ${expected}.`, path);
}
