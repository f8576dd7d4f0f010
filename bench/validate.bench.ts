/**
 * Evaluating a 10,000-case suite against a local endpoint: requests per second against autocannon's on the
 * same endpoint at the same concurrency (target >= 0.8), and peak memory for 1,000 vs 10,000 cases (should be
 * flat: the suite is streamed and each case leaves a small summary). The model server runs in its own
 * process, and each evaluation in a fresh process so its peak RSS is its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareValidation, runValidation } from '../shared/validation/validate.js';
import { report } from './support.js';

const CONCURRENCY = Number(process.env.VALIDATE_BENCH_CONCURRENCY ?? 16);
const PROMPT = 'What is the capital of France?';

type Autocannon = (o: object) => Promise<{ requests: { average: number }; non2xx: number; errors: number }>;

function suite(dir: string, cases: number): string {
  const file = join(dir, `suite-${cases}.jsonl`);
  const lines = [];
  for (let i = 0; i < cases; i++) lines.push(JSON.stringify({ id: `case-${i}`, input: `${PROMPT} #${i}`, assert: [{ contains: `#${i}` }, { 'not-contains': 'error' }] }));
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface ChildResult {
  cases: number;
  passed: number;
  rps: number;
  wallMs: number;
  peakRssMiB: number;
  /** Heap still used after a full GC at the end, with the report (every case's summary) still held. */
  retainedHeapMiB: number;
}

/** Child mode: evaluate one suite (after an optional warm-up suite) and print the numbers as JSON. */
async function evaluateChild(url: string, file: string, warmup?: string): Promise<void> {
  const validate = async (path: string) => {
    const prepared = await prepareValidation({ suiteFile: path, endpoint: { url, timeoutMs: 30_000, retries: 0 }, concurrency: CONCURRENCY, confidence: 0.95, method: 'wilson' });
    return runValidation(prepared, {});
  };
  if (warmup) await validate(warmup);
  const started = performance.now();
  const r = await validate(file);
  const wallMs = performance.now() - started;
  (globalThis as { gc?: () => void }).gc?.();
  const result: ChildResult = {
    cases: r.tally.cases,
    passed: r.tally.passedCases,
    rps: r.performance.requestsPerSecond,
    wallMs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    retainedHeapMiB: process.memoryUsage().heapUsed / 1024 / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('../__tests__/support/model-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve({ url: String(d).trim(), child }));
    child.once('exit', (code) => reject(new Error(`model server exited with ${code}`)));
  });
}

function runChild(url: string, file: string, warmup?: string): Promise<ChildResult> {
  const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', url, file, ...(warmup ? [warmup] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`evaluation exited with ${code}`)))));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'validate-bench-'));
  const { url, child } = await startServer();
  try {
    const chat = `${url}/deterministic/v1`;
    const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: PROMPT }] });
    const load = (duration: number) => autocannon({ url: `${chat}/chat/completions`, connections: CONCURRENCY, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const [s1k, s2k, s10k, s30k] = [1_000, 2_000, 10_000, 30_000].map((n) => suite(dir, n));
    await load(1); // warm-up of the server
    // Alternate the two, three rounds each: this machine's load changes by the second, so medians of interleaved runs.
    const theirs: number[] = [];
    const ours: ChildResult[] = [];
    for (let round = 0; round < 3; round++) {
      theirs.push((await load(4)).requests.average);
      const r = await runChild(chat, s10k, s2k);
      if (r.passed !== 10_000 || r.cases !== 10_000) throw new Error(`expected 10,000 passing cases, got ${r.passed}/${r.cases}`);
      ours.push(r);
    }
    const cold = await runChild(chat, s10k);
    console.log(`autocannon at ${CONCURRENCY} connections: ${theirs.map((x) => x.toFixed(0)).join(', ')} req/s`);
    console.log(`model-validate 10,000 cases after a 2,000-case warm-up: ${ours.map((r) => r.rps.toFixed(0)).join(', ')} req/s; from a cold process: ${cold.rps.toFixed(0)} req/s`);
    report('evaluation throughput (10,000 cases, warm)', median(ours.map((r) => r.rps)), median(theirs), 'req/s', '>= 0.8');
    report('evaluation throughput (10,000 cases, cold process)', cold.rps, median(theirs), 'req/s', '>= 0.8');
    const m1k = await runChild(chat, s1k);
    const m30k = await runChild(chat, s30k);
    for (const [n, r] of [['1,000', m1k], ['10,000', cold], ['30,000', m30k]] as const) {
      console.log(`${n} cases: peak RSS ${r.peakRssMiB.toFixed(1)} MiB, heap retained after GC ${r.retainedHeapMiB.toFixed(1)} MiB`);
    }
    report('peak RSS 10,000 vs 1,000 cases', cold.peakRssMiB, m1k.peakRssMiB, 'MiB', 'flat: close to 1.0');
    report('peak RSS 30,000 vs 10,000 cases', m30k.peakRssMiB, cold.peakRssMiB, 'MiB', 'flat: close to 1.0');
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await evaluateChild(process.argv[3], process.argv[4], process.argv[5]);
else await main();
