import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GiB = 1024 ** 3;

/** Model size for the registry benches: REGISTRY_BENCH_BYTES (e.g. 268435456 for a quick run), 1 GiB by default. */
export function benchBytes(): number {
  const raw = process.env.REGISTRY_BENCH_BYTES;
  const n = raw === undefined ? GiB : Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`REGISTRY_BENCH_BYTES must be a positive integer, got ${raw}`);
  return n;
}

export const mib = (bytes: number) => bytes / 1024 ** 2;

/** A temp folder holding one model file of `size` random bytes; `remove()` deletes it all. */
export async function modelOnDisk(size: number): Promise<{ folder: string; file: string; remove: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'registry-bench-'));
  const file = join(folder, 'model.safetensors');
  const chunk = randomFillSync(Buffer.allocUnsafe(64 * 1024 * 1024));
  const handle = await open(file, 'w');
  try {
    for (let at = 0, n = 0; at < size; at += chunk.length, n++) {
      chunk.writeUInt32LE(n, 0); // no two chunks alike
      await handle.write(chunk, 0, Math.min(chunk.length, size - at), at);
    }
  } finally {
    await handle.close();
  }
  return { folder, file, remove: () => rm(folder, { recursive: true, force: true }) };
}
