/**
 * Verifying a model folder against its manifest (REGISTRY_BENCH_BYTES, 1 GiB by default): our SHA-256
 * throughput (verifyFolder, the path `model-path` and download re-use take) against coreutils `sha256sum`
 * on the same file, both reading from the page cache. Target: ratio >= 0.9.
 */
import { basename } from 'node:path';
import type { ModelManifest } from '../shared/registry/manifest.js';
import { hashFile } from '../shared/registry/local-files.js';
import { verifyFolder } from '../shared/registry/verify.js';
import { benchBytes, mib, modelOnDisk } from './registry/model-file.js';
import { run } from './registry/processes.js';
import { medianMs, report } from './support.js';

const size = benchBytes();
const model = await modelOnDisk(size);
try {
  const referenceDigest = (await run('sha256sum', [model.file])).split(' ')[0]; // also warms the page cache
  const ours = await hashFile(model.file);
  if (ours.sha256 !== referenceDigest || ours.size !== size) throw new Error(`digests differ: ours ${ours.sha256}, sha256sum ${referenceDigest}`);
  const manifest: ModelManifest = {
    schemaVersion: 1, name: 'bench', version: '1.0.0', framework: 'none', createdAt: '', createdBy: '', tags: {}, metrics: {},
    files: [{ path: basename(model.file), size, sha256: referenceDigest }],
  };
  const runs = Number(process.env.REGISTRY_BENCH_RUNS ?? 3);
  // Interleaved, so both see the same machine load (2 shared cores).
  const oursTimes: number[] = [];
  const refTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    oursTimes.push(await medianMs(() => verifyFolder(model.folder, manifest), 1));
    refTimes.push(await medianMs(() => run('sha256sum', [model.file]), 1));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const throughput = (ms: number) => mib(size) / (ms / 1000);
  console.log(`model: ${mib(size).toFixed(0)} MiB in one file, ${runs} interleaved runs each`);
  console.log(`ours (verifyFolder) median ${median(oursTimes).toFixed(0)} ms; sha256sum median ${median(refTimes).toFixed(0)} ms`);
  report('registry-verify throughput', throughput(median(oursTimes)), throughput(median(refTimes)), 'MiB/s', '>= 0.9');
} finally {
  await model.remove();
}
