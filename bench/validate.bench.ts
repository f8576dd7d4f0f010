/**
 * Evaluating a 10,000-case suite against a local endpoint: requests per second against autocannon's on the
 * same endpoint at the same concurrency (target >= 0.8), and peak memory for 1,000 vs 10,000 cases (should be
 * flat: the suite is streamed and each case leaves a small summary). The model server runs in its own
 * process, and each evaluation in a fresh process so its peak RSS is its own. Those processes run with a
 * fixed young generation and old-space limit (HEAP_FLAGS), so V8 growing its heap on a longer run does not
 * pass for growth of what the evaluation holds; what it holds is shown by the live heap after each full GC.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareValidation, runValidation } from '../shared/validation/validate.js';
import { report } from './support.js';

const CONCURRENCY = Number(process.env.VALIDATE_BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.VALIDATE_BENCH_ROUNDS ?? 5);
const PROMPT = 'What is the capital of France?';
/** Fixed heap sizes for the memory runs (MiB): semi-space min = max, so the young generation never grows. */
const HEAP_FLAGS = ['--min-semi-space-size=4', '--max-semi-space-size=4', '--max-old-space-size=48'];

type Autocannon = (o: object) => Promise<{ requests: { average: number; total: number }; non2xx: number; errors: number }>;

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
  /** The most heap found live right after any full GC during the evaluation (the most we held at once). */
  peakLiveHeapMiB: number;
  fullGcs: number;
}

/** Child mode: evaluate one suite (after an optional warm-up suite) and print the numbers as JSON. */
async function evaluateChild(url: string, file: string, warmup?: string): Promise<void> {
  const validate = async (path: string) => {
    const prepared = await prepareValidation({ suiteFile: path, endpoint: { url, timeoutMs: 30_000, retries: 0 }, concurrency: CONCURRENCY, confidence: 0.95, method: 'wilson' });
    return runValidation(prepared, {});
  };
  if (warmup) await validate(warmup);
  let peakLive = 0;
  let fullGcs = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as { detail?: { kind?: number } }).detail?.kind !== perf.NODE_PERFORMANCE_GC_MAJOR) continue;
      fullGcs++;
      peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    }
  });
  gcs.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  const r = await validate(file);
  const wallMs = performance.now() - started;
  gcs.disconnect();
  (globalThis as { gc?: () => void }).gc?.();
  const retained = process.memoryUsage().heapUsed;
  const result: ChildResult = {
    cases: r.tally.cases,
    passed: r.tally.passedCases,
    rps: r.performance.requestsPerSecond,
    wallMs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    retainedHeapMiB: retained / 1024 / 1024,
    peakLiveHeapMiB: Math.max(peakLive, retained) / 1024 / 1024,
    fullGcs,
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
  const args = ['--expose-gc', ...HEAP_FLAGS, fileURLToPath(import.meta.url), '--child', url, file, ...(warmup ? [warmup] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`evaluation exited with ${code}`)))));
}


async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'validate-bench-'));
  const { url, child } = await startServer();
  try {
    const chat = `${url}/deterministic/v1`;
    const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: PROMPT }] });
    const load = (duration: number) => autocannon({ url: `${chat}/chat/completions`, connections: CONCURRENCY, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const [s1k, s2k, s10k, s30k] = [1_000, 2_000, 10_000, 30_000].map((n) => suite(dir, n));
    // Throughput in this process, warm, alternating with autocannon round by round: this machine's load changes
    // from second to second, so each round's ratio compares two neighbouring measurements; the median is reported.
    // CPU time per request of this process, beside each rate: a share of the two cores that colleagues' load
    // does not move much, so it shows the client's own per-request work when the rates are noisy.
    const cpuMicros = (since: NodeJS.CpuUsage) => {
      const u = process.cpuUsage(since);
      return u.user + u.system;
    };
    const validate = async (file: string) => {
      const prepared = await prepareValidation({ suiteFile: file, endpoint: { url: chat, timeoutMs: 30_000, retries: 0 }, concurrency: CONCURRENCY, confidence: 0.95, method: 'wilson' });
      const cpu = process.cpuUsage();
      const r = await runValidation(prepared, {});
      const cpuPerRequest = cpuMicros(cpu) / r.tally.runs;
      if (r.tally.passedCases !== r.tally.cases) throw new Error(`expected every case to pass, got ${r.tally.passedCases}/${r.tally.cases}`);
      return { rps: r.performance.requestsPerSecond, cpuPerRequest };
    };
    const measureLoad = async () => {
      const cpu = process.cpuUsage();
      const r = await load(3);
      return { rps: r.requests.average, cpuPerRequest: cpuMicros(cpu) / r.requests.total };
    };
    await load(1);
    await validate(s2k);
    const rounds: { theirs: { rps: number; cpuPerRequest: number }; ours: { rps: number; cpuPerRequest: number } }[] = [];
    for (let round = 0; round < ROUNDS; round++) rounds.push({ theirs: await measureLoad(), ours: await validate(s10k) });
    console.log(`rounds (autocannon / model-validate req/s at ${CONCURRENCY} connections): ${rounds.map((r) => `${r.theirs.rps.toFixed(0)}/${r.ours.rps.toFixed(0)}`).join(', ')}`);
    console.log(`rounds (autocannon / model-validate CPU µs per request): ${rounds.map((r) => `${r.theirs.cpuPerRequest.toFixed(0)}/${r.ours.cpuPerRequest.toFixed(0)}`).join(', ')}`);
    const median = <T>(xs: T[], key: (x: T) => number) => [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)];
    const mid = median(rounds, (r) => r.ours.rps / r.theirs.rps);
    report('evaluation throughput (10,000 cases, median round)', mid.ours.rps, mid.theirs.rps, 'req/s', '>= 0.8');
    const cpuMid = median(rounds, (r) => r.ours.cpuPerRequest / r.theirs.cpuPerRequest);
    report('client CPU per request (median round)', cpuMid.ours.cpuPerRequest, cpuMid.theirs.cpuPerRequest, 'µs', 'lower is better; informational');
    const cold = await runChild(chat, s10k);
    console.log(`a cold process evaluating 10,000 cases: ${cold.rps.toFixed(0)} req/s (${(cold.wallMs / 1000).toFixed(2)} s with the suite check pass)`);
    const m1k = await runChild(chat, s1k);
    const m30k = await runChild(chat, s30k);
    console.log(`memory runs with ${HEAP_FLAGS.join(' ')}:`);
    for (const [n, r] of [['1,000', m1k], ['10,000', cold], ['30,000', m30k]] as const) {
      console.log(`${n} cases: peak RSS ${r.peakRssMiB.toFixed(1)} MiB, peak live heap ${r.peakLiveHeapMiB.toFixed(1)} MiB (${r.fullGcs} full GCs), heap retained after GC ${r.retainedHeapMiB.toFixed(1)} MiB`);
    }
    const perCase = ((m30k.retainedHeapMiB - m1k.retainedHeapMiB) * 1024 * 1024) / (m30k.cases - m1k.cases);
    console.log(`retained heap per extra case (the report's compact case summary): ${perCase.toFixed(0)} bytes`);
    report('peak RSS 10,000 vs 1,000 cases', cold.peakRssMiB, m1k.peakRssMiB, 'MiB', 'flat: close to 1.0');
    report('peak RSS 30,000 vs 10,000 cases', m30k.peakRssMiB, cold.peakRssMiB, 'MiB', 'flat: close to 1.0');
    report('peak live heap 30,000 vs 1,000 cases', m30k.peakLiveHeapMiB, m1k.peakLiveHeapMiB, 'MiB', 'flat but for the summaries');
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await evaluateChild(process.argv[3], process.argv[4], process.argv[5]);
else await main();
