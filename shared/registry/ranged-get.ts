import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { IntegrityError } from './errors.js';
import type { ManifestFile } from './manifest.js';
import type { Semaphore } from './limit.js';
import { isInvalidRange, isNotFound, s3Sdk, type RegistryStore } from './store.js';
import { digestMismatch, sizeMismatch } from './verify.js';

/** Shared by every file of one download: `requests` bounds GETs in flight, `buffers` bounds parts held in memory. */
export interface TransferGates {
  requests: Semaphore;
  buffers: Semaphore;
  partSize: number;
  signal: AbortSignal;
}

/** Reads a response body into one buffer of the expected length; a longer or shorter body is a size error. */
async function readBody(body: Readable, expected: number, file: ManifestFile): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(expected);
  let offset = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (offset + chunk.length > expected) {
      body.destroy();
      throw new IntegrityError(`File '${file.path}' is larger in the registry than the manifest's ${file.size} bytes.`, file.path);
    }
    chunk.copy(buffer, offset);
    offset += chunk.length;
  }
  if (offset !== expected) throw new IntegrityError(`File '${file.path}' ended after ${offset} of ${expected} bytes of a part: it is truncated.`, file.path);
  return buffer;
}

/** `length` bytes of the object from `start`, checked against the manifest's size through Content-Range. */
async function getPart(store: RegistryStore, key: string, file: ManifestFile, start: number, length: number, gates: TransferGates): Promise<Buffer> {
  const { GetObjectCommand } = await s3Sdk();
  return gates.requests.run(async () => {
    let out;
    try {
      const range = file.size === 0 ? undefined : `bytes=${start}-${start + length - 1}`;
      out = await store.s3.send(new GetObjectCommand({ Bucket: store.location.bucket, Key: store.key(key), Range: range }), {
        abortSignal: gates.signal,
      });
    } catch (error) {
      if (isNotFound(error)) throw new IntegrityError(`File '${file.path}' is in the manifest but missing from the registry.`, file.path);
      if (isInvalidRange(error)) throw new IntegrityError(`File '${file.path}' is shorter in the registry than the manifest's ${file.size} bytes.`, file.path);
      throw error;
    }
    const total = out.ContentRange ? Number(/\/(\d+)$/.exec(out.ContentRange)?.[1]) : out.ContentLength;
    if (total !== file.size) {
      (out.Body as Readable | undefined)?.destroy();
      throw sizeMismatch(file.path, total ?? NaN, file.size);
    }
    return readBody(out.Body as Readable, length, file);
  }, gates.signal);
}

interface Slot {
  part: Promise<Buffer>;
  fill: (part: Promise<Buffer>) => void;
}

function slot(): Slot {
  let fill!: (part: Promise<Buffer>) => void;
  const part = new Promise<Buffer>((resolve) => (fill = resolve));
  part.catch(() => undefined); // a part nobody reads after a failure must not be an unhandled rejection
  return { part, fill };
}

/**
 * Downloads one file with parallel ranged GETs into `handle`, hashing the parts in order as they arrive,
 * and fails on any size or SHA-256 difference. Parts are requested in file order and each holds a `buffers`
 * permit until it is hashed and written, so memory stays bounded and earlier parts are never starved.
 */
export async function downloadFile(store: RegistryStore, key: string, file: ManifestFile, handle: FileHandle, gates: TransferGates): Promise<void> {
  gates.signal.throwIfAborted();
  const starts: number[] = [0];
  for (let s = gates.partSize; s < file.size; s += gates.partSize) starts.push(s);
  const slots = starts.map(slot);
  let stopped = false;
  const request = async () => {
    let i = 0;
    try {
      for (; i < starts.length; i++) {
        await gates.buffers.acquire(gates.signal);
        if (stopped) throw new Error('download stopped');
        const length = Math.min(gates.partSize, file.size - starts[i]);
        const part = getPart(store, key, file, starts[i], length, gates);
        part.catch(() => undefined); // handled by the in-order reader below
        slots[i].fill(part);
      }
    } catch (error) {
      for (const rest of slots.slice(i)) rest.fill(Promise.reject(error));
    }
  };
  const requesting = request();
  const hash = createHash('sha256');
  try {
    for (let i = 0; i < slots.length; i++) {
      const buffer = await slots[i].part;
      hash.update(buffer);
      await handle.write(buffer, 0, buffer.length, starts[i]);
      gates.buffers.release();
    }
  } catch (error) {
    // The caller aborts the whole download on any failure and drops these gates; permits need no return.
    stopped = true;
    throw error;
  }
  await requesting;
  const actual = hash.digest('hex');
  if (actual !== file.sha256) throw digestMismatch(file.path, actual, file.sha256);
}
