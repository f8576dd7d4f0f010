import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from wherever the compiled bench runs (build/bench/...). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('build')) dir = dirname(dir);
  return dir;
}

/** Median of repeated timings of an async function, in milliseconds. */
export async function medianMs(fn: () => Promise<unknown> | unknown, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** One result line: `name: ours X vs reference Y = ratio R (target ...)`. */
export function report(name: string, ours: number, reference: number, unit: string, target: string): void {
  const ratio = ours / reference;
  console.log(`${name}: ${ours.toFixed(2)} ${unit} vs reference ${reference.toFixed(2)} ${unit} = ratio ${ratio.toFixed(2)} (target ${target})`);
}
