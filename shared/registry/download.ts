import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { IntegrityError } from './errors.js';
import { fileKey } from './layout.js';
import { forEachLimited, Semaphore } from './limit.js';
import { downloadFile, type TransferGates } from './ranged-get.js';
import type { RegistryStore } from './store.js';
import { checkTransfer, type TransferOptions } from './transfer.js';
import { verifyFolder } from './verify.js';
import type { ResolvedVersion } from './versions.js';

export interface DownloadResult {
  folder: string;
  bytes: number;
  /** True when the folder already held exactly this version, so nothing was downloaded. */
  reused: boolean;
}

async function entriesOf(folder: string): Promise<string[] | undefined> {
  try {
    return await readdir(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new ConfigurationError(`Download folder '${folder}' is a file, not a folder.`);
    throw error;
  }
}

/** The local path of a manifest file, refusing anything that would land outside the folder. */
function inside(folder: string, path: string): string {
  const target = resolve(folder, path);
  if (!target.startsWith(folder + sep)) throw new IntegrityError(`Manifest path ${JSON.stringify(path)} escapes the download folder.`, path);
  return target;
}

/**
 * Downloads a resolved version's files into `folder`, verifying every byte against the manifest on the way.
 * Files go to a hidden sibling folder first, renamed to `folder` only once all are verified: nothing partial
 * is ever left at `folder`. An existing non-empty `folder` is kept if it already is this version, else refused.
 */
export async function downloadVersion(
  store: RegistryStore,
  resolved: ResolvedVersion,
  folder: string,
  options: Partial<TransferOptions> = {},
): Promise<DownloadResult> {
  const { partSize, concurrency } = checkTransfer(options, 1024);
  const target = resolve(folder);
  const bytes = resolved.manifest.files.reduce((n, f) => n + f.size, 0);
  const existing = await entriesOf(target);
  if (existing !== undefined && existing.length > 0) {
    try {
      await verifyFolder(target, resolved.manifest);
    } catch (error) {
      if (!(error instanceof IntegrityError)) throw error;
      throw new ConfigurationError(`Download folder '${folder}' is not empty and does not hold ${resolved.model} ${resolved.version}: ${error.message}`);
    }
    return { folder: target, bytes, reused: true };
  }
  const staging = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
  const abort = new AbortController();
  const gates: TransferGates = {
    requests: new Semaphore(concurrency),
    buffers: new Semaphore(concurrency + 4), // in flight, plus a few arrived early; peak memory ~ (concurrency + 4) x partSize
    partSize,
    signal: abort.signal,
  };
  try {
    const local = resolved.manifest.files.map((f) => ({ file: f, path: inside(staging, f.path) }));
    await mkdir(staging, { recursive: true });
    await forEachLimited(local, concurrency, async ({ file, path }) => {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(path, 'wx');
      try {
        await downloadFile(store, fileKey(resolved.model, resolved.version, file.path), file, handle, gates);
      } catch (error) {
        abort.abort();
        throw error;
      } finally {
        await handle.close();
      }
    });
    if (existing !== undefined) await rmdir(target);
    await rename(staging, target);
  } catch (error) {
    abort.abort();
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { folder: target, bytes, reused: false };
}
