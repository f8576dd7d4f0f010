/**
 * Downloading a model (REGISTRY_BENCH_BYTES, 1 GiB by default) from moto_server: our registry download
 * (parallel ranged GETs, SHA-256 checked in order, staged then renamed) against `/usr/bin/aws s3 cp`
 * (Debian awscli) of the same object from the same server, into the same disk. Target: time ratio <= 1.0.
 * Also prints moto's own single-stream GET time, to show when the server is the bottleneck.
 */
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry } from '../shared/registry/registry.js';
import { createS3Client } from '../shared/registry/s3-client.js';
import { DEFAULT_TRANSFER } from '../shared/registry/transfer.js';
import { benchBytes, mib, modelOnDisk } from './registry/model-file.js';
import { run, startMoto } from './registry/processes.js';
import { report } from './support.js';

const AWS = '/usr/bin/aws';
if (!existsSync(AWS)) {
  console.log(`${AWS} is missing: 'npm run bench' installs it (Debian awscli), or apt-get install -y awscli.`);
  process.exit(1);
}
const size = benchBytes();
// One run each by default: at 1 GiB each download takes minutes on moto (see the moto line printed below).
const runs = Number(process.env.REGISTRY_BENCH_RUNS ?? 1);
const partSize = Number(process.env.REGISTRY_BENCH_PART_SIZE ?? DEFAULT_TRANSFER.partSize);
const concurrency = Number(process.env.REGISTRY_BENCH_CONCURRENCY ?? DEFAULT_TRANSFER.concurrency);
const credentials = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
Object.assign(process.env, credentials);

const moto = await startMoto();
const model = await modelOnDisk(size);
const work = await mkdtemp(join(tmpdir(), 'registry-bench-dl-'));
const timed = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const s3 = await createS3Client({ endpoint: moto.endpoint });
  const bucket = `bench-${Date.now()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const registry = new ModelRegistry(s3, { bucket, prefix: 'bench' });
  const publishMs = await timed(() =>
    registry.publish({ model: 'bench', version: '1.0.0', folder: model.folder, framework: 'none', createdBy: 'bench' }),
  );
  await model.remove(); // the page cache is for the downloads now
  const resolved = await registry.resolve('bench', { kind: 'version', version: '1.0.0' });
  const key = `bench/models/bench/versions/1.0.0/files/model.safetensors`;
  const awsEnv = { ...process.env, ...credentials }; // awscli 2.9 reads no AWS_ENDPOINT_URL: passed as --endpoint-url

  const oursMs: number[] = [];
  const awsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ours = join(work, `ours-${i}`);
    oursMs.push(await timed(() => registry.download(resolved, ours, { partSize, concurrency })));
    await rm(ours, { recursive: true });
    const theirs = join(work, `aws-${i}.bin`);
    awsMs.push(await timed(() => run(AWS, ['s3', 'cp', '--only-show-errors', '--endpoint-url', moto.endpoint, `s3://${bucket}/${key}`, theirs], awsEnv)));
    await rm(theirs);
  }
  // One plain GET of the whole object, drained: what moto itself can serve on one stream.
  const plainMs = await timed(async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    for await (const _ of out.Body as AsyncIterable<Buffer>) void _;
  });
  const rate = (ms: number) => `${(mib(size) / (ms / 1000)).toFixed(0)} MiB/s`;
  console.log(`model: ${mib(size).toFixed(0)} MiB; moto_server ${moto.endpoint}; ours: part ${mib(partSize)} MiB x ${concurrency}; aws: its defaults (8 MB x 10)`);
  console.log(`publish (multipart upload, hashed): ${publishMs.toFixed(0)} ms (${rate(publishMs)})`);
  console.log(`ours: ${oursMs.map((m) => m.toFixed(0)).join(', ')} ms; aws s3 cp: ${awsMs.map((m) => m.toFixed(0)).join(', ')} ms`);
  console.log(`moto single GET of the whole object, no disk: ${plainMs.toFixed(0)} ms (${rate(plainMs)})`);
  report('registry-download time', median(oursMs), median(awsMs), 'ms', '<= 1.0');
} finally {
  await rm(work, { recursive: true, force: true });
  await model.remove();
  moto.stop();
}
