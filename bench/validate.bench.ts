/**
 * model-validate against what users wait for: the same 1,000-case suite (equals, contains and regex assertions,
 * 2 repeats) run by model-validate and by promptfoo (`promptfoo eval`, pinned in bench/peers), both at
 * concurrency 16, against the same local OpenAI-compatible endpoint that answers in 150-300 ms and rate-limits
 * with 429 + Retry-After like a hosted model. Printed: both wall times and their ratio (target: ours <= 1.0),
 * both peak RSS, and the 429s each received. Then peak memory for 1,000, 10,000 and 30,000 cases against a fast
 * endpoint (should be flat: the suite is streamed and each case leaves a small summary). Every run is a fresh
 * process; its peak RSS is read from /proc (VmHWM) while it runs, the same way for both tools.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareValidation, runValidation } from '../shared/validation/validate.js';
import { report, repoRoot } from './support.js';

const CONCURRENCY = Number(process.env.VALIDATE_BENCH_CONCURRENCY ?? 16);
const CASES = Number(process.env.VALIDATE_BENCH_CASES ?? 1000);
const REPEATS = 2;
/** Requests a second the endpoint takes before it answers 429 (16 in flight at 150-300 ms would be about 70). */
const RATE = Number(process.env.VALIDATE_BENCH_RATE ?? 50);
/** Fixed heap sizes for the memory runs (MiB): semi-space min = max, so the young generation never grows. */
const HEAP_FLAGS = ['--min-semi-space-size=4', '--max-semi-space-size=4', '--max-old-space-size=48'];
const root = repoRoot();
const promptfooMain = join(root, 'bench/peers/node_modules/promptfoo/dist/src/main.js');

const answerOf = (input: string) => `Echo: ${input}`;
const inputOf = (i: number) => `What is the capital of France? #${i}`;

/** The suite for model-validate (JSONL, settings on the first line). */
function ourSuite(dir: string, cases: number, repeats: number): string {
  const file = join(dir, `suite-${cases}.jsonl`);
  const lines = [JSON.stringify({ suite: { name: `bench-${cases}`, repeats } })];
  for (let i = 0; i < cases; i++) {
    lines.push(JSON.stringify({ id: `case-${i}`, input: inputOf(i), assert: [{ equals: answerOf(inputOf(i)) }, { contains: `#${i}` }, { regex: `#${i}$` }] }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The same cases for promptfoo: its OpenAI provider pointed at the same endpoint. */
function promptfooConfig(dir: string, baseUrl: string, cases: number): string {
  const tests = [];
  for (let i = 0; i < cases; i++) {
    tests.push({ vars: { prompt: inputOf(i) }, assert: [{ type: 'equals', value: answerOf(inputOf(i)) }, { type: 'contains', value: `#${i}` }, { type: 'regex', value: `#${i}$` }] });
  }
  const config = { description: 'bench', prompts: ['{{prompt}}'], providers: [{ id: 'openai:chat:m', config: { apiBaseUrl: baseUrl, apiKey: 'x' } }], tests };
  const file = join(dir, 'promptfooconfig.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

interface Measured {
  code: number | null;
  wallMs: number;
  peakRssMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs a process to its end, reading its peak RSS (VmHWM) from /proc while it runs. */
function measured(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let peakKiB = 0;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm));
    } catch {
      // the process has ended
    }
  }, 50);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, wallMs: performance.now() - started, peakRssMiB: peakKiB / 1024, stdout, stderr });
    }),
  );
}

/** Child mode: evaluate one suite with model-validate's code and print its numbers as JSON. */
async function evaluateChild(url: string, file: string): Promise<void> {
  const started = performance.now();
  const prepared = await prepareValidation({ suiteFile: file, endpoint: { url, timeoutMs: 30_000, retries: 8 }, concurrency: CONCURRENCY, confidence: 0.95, method: 'wilson' });
  const r = await runValidation(prepared, {});
  (globalThis as { gc?: () => void }).gc?.();
  const out = { cases: r.tally.cases, passed: r.tally.passedCases, runs: r.tally.runs, errors: r.tally.errors, wallMs: performance.now() - started, retainedHeapMiB: process.memoryUsage().heapUsed / 1024 / 1024 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function startServer(options: object): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('../__tests__/support/model-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, '0', JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve({ url: String(d).trim(), child }));
    child.once('exit', (code) => reject(new Error(`model server exited with ${code}`)));
  });
}

const stats = async (url: string) => (await (await fetch(`${url}/stats`)).json()) as { requests: Record<string, number>; rateLimited: number };
const reset = (url: string) => fetch(`${url}/reset`, { method: 'POST' }).then((r) => r.arrayBuffer());

/** promptfoo from bench/peers, installed from its lock file when missing. */
function ensurePromptfoo(): void {
  if (existsSync(promptfooMain)) return;
  console.log('installing promptfoo into bench/peers (npm ci)...');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', join(root, 'bench/peers')], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(promptfooMain)) throw new Error('could not install promptfoo into bench/peers');
}

async function ours(url: string, file: string, heap: string[] = []): Promise<Measured & { result: { cases: number; passed: number; runs: number; errors: number; retainedHeapMiB: number } }> {
  const m = await measured(['--expose-gc', ...heap, fileURLToPath(import.meta.url), '--child', url, file]);
  if (m.code !== 0) throw new Error(`model-validate exited with ${m.code}: ${m.stderr.slice(-2000)}`);
  return { ...m, result: JSON.parse(m.stdout) };
}

async function theirs(config: string, dir: string): Promise<Measured & { passed: number; failed: number; errors: number }> {
  const output = join(dir, 'promptfoo-results.json');
  const env = { ...process.env, PROMPTFOO_DISABLE_TELEMETRY: '1', PROMPTFOO_DISABLE_UPDATE: '1', PROMPTFOO_CONFIG_DIR: join(dir, 'promptfoo-home'), OPENAI_API_KEY: 'x' };
  const args = [promptfooMain, 'eval', '-c', config, '--no-cache', '--max-concurrency', String(CONCURRENCY), '--repeat', String(REPEATS), '--no-table', '--no-progress-bar', '--no-write', '-o', output];
  const m = await measured(args, env);
  if (!existsSync(output)) throw new Error(`promptfoo wrote no results (exit ${m.code}): ${m.stderr.slice(-2000)}${m.stdout.slice(-2000)}`);
  const s = (JSON.parse(readFileSync(output, 'utf8')) as { results: { stats: { successes: number; failures: number; errors: number } } }).results.stats;
  return { ...m, passed: s.successes, failed: s.failures, errors: s.errors };
}

async function main(): Promise<void> {
  ensurePromptfoo();
  const dir = mkdtempSync(join(tmpdir(), 'validate-bench-'));
  const limited = await startServer({ latencyMs: [150, 300], rateLimit: { perSecond: RATE, retryAfter: '1' } });
  const fast = await startServer({});
  try {
    const base = `${limited.url}/deterministic/v1`;
    const suite = ourSuite(dir, CASES, REPEATS);
    const config = promptfooConfig(dir, base, CASES);
    console.log(`${CASES} cases x ${REPEATS} repeats at concurrency ${CONCURRENCY}; the endpoint answers in 150-300 ms and takes ${RATE} requests/s, then 429 + Retry-After: 1`);
    await reset(limited.url);
    const p = await theirs(config, dir);
    const p429 = (await stats(limited.url)).rateLimited;
    await reset(limited.url);
    const o = await ours(base, suite);
    const o429 = (await stats(limited.url)).rateLimited;
    console.log(`promptfoo: ${(p.wallMs / 1000).toFixed(1)} s, peak RSS ${p.peakRssMiB.toFixed(0)} MiB, ${p.passed} passed / ${p.failed} failed / ${p.errors} errors, 429s received: ${p429}`);
    console.log(`model-validate: ${(o.wallMs / 1000).toFixed(1)} s, peak RSS ${o.peakRssMiB.toFixed(0)} MiB, ${o.result.passed}/${o.result.cases} cases passed over ${o.result.runs} runs, ${o.result.errors} errors, 429s received: ${o429}`);
    report(`wall time, ${CASES} cases x ${REPEATS} repeats against a rate-limited endpoint`, o.wallMs, p.wallMs, 'ms', 'ours <= 1.0 of promptfoo');
    report('peak RSS of the run', o.peakRssMiB, p.peakRssMiB, 'MiB', 'informational');

    const chat = `${fast.url}/deterministic/v1`;
    const runs = await Promise.all([1_000, 10_000, 30_000].map((n) => ourSuite(dir, n, 1))).then(async (files) => {
      const out = [];
      for (const f of files) out.push(await ours(chat, f, HEAP_FLAGS));
      return out;
    });
    console.log(`memory runs against a fast endpoint, with ${HEAP_FLAGS.join(' ')}:`);
    for (const r of runs) console.log(`${r.result.cases.toLocaleString('en-US')} cases: peak RSS ${r.peakRssMiB.toFixed(1)} MiB, heap retained after GC ${r.result.retainedHeapMiB.toFixed(1)} MiB, ${(r.wallMs / 1000).toFixed(1)} s`);
    report('peak RSS 10,000 vs 1,000 cases', runs[1].peakRssMiB, runs[0].peakRssMiB, 'MiB', 'flat: close to 1.0');
    report('peak RSS 30,000 vs 10,000 cases', runs[2].peakRssMiB, runs[1].peakRssMiB, 'MiB', 'flat: close to 1.0');
  } finally {
    limited.child.kill();
    fast.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await evaluateChild(process.argv[3], process.argv[4]);
else await main();
