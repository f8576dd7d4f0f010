// Runs actions the way the GitHub runner does: each step's dist bundle in its own Node process with
// INPUT_* variables (the action.yml defaults filled in for inputs not given, as the runner does) and
// GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files; a main step's saved state goes to its post
// step as STATE_*; post steps run at the end of the job, in reverse order, whatever happened before
// (the runner's default `post-if: always()`). A step's `if` sees success(), failure(),
// cancelled() and steps.<id>. All steps of a job share one RUNNER_TEMP, as on a runner, where a file one
// step writes there (a downloaded model, a report) is there for the next.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { collectResult, runnerFiles } from '../__tests__/support/runner-files.ts';
import { cutToLength } from '../shared/text-limit.ts';

export const root = new URL('..', import.meta.url).pathname;

/**
 * Where the bundles are: dist/ (what `uses:` runs), or AI_DEPLOY_DIST: another bundle folder, or
 * `source` to run each step from the TypeScript sources (same child process and runner files, no bundle).
 */
export const defaultDist = () => process.env.AI_DEPLOY_DIST || join(root, 'dist');

const TS_SUPPORT = join(root, '__tests__/k8s/support');

function stepCommand(dist, action, kind) {
  if (dist !== 'source') return [join(dist, action, `${kind}.js`)];
  return ['--experimental-transform-types', '--no-warnings', '--import', join(TS_SUPPORT, 'register-ts.mjs'), join(TS_SUPPORT, 'run-ts-step.mjs'), action, kind];
}

const hasPost = (dist, action) => existsSync(dist === 'source' ? join(root, 'actions', action, 'post.ts') : join(dist, action, 'post.js'));

export class Job {
  /**
   * @param {string} name
   * @param {Record<string,string>} env extra environment for every step (GITHUB_*, AWS_*, ...)
   * @param {{dist?: string, log?: (line: string) => void, stepTimeoutMs?: number, signal?: AbortSignal, runnerTemp?: string}} [options]
   *   `signal` cancels the run as GitHub does: the running step gets SIGINT, later steps see cancelled().
   *   `runnerTemp`: the job's RUNNER_TEMP (created if missing; default: a new folder in the system's temp).
   */
  constructor(name, env = {}, { dist = defaultDist(), log = console.log, stepTimeoutMs = 10 * 60_000, signal, runnerTemp } = {}) {
    this.name = name;
    /** The job's RUNNER_TEMP, shared by all its steps (main and post). */
    this.runnerTemp = runnerTemp ?? mkdtempSync(join(tmpdir(), 'ai-deploy-runner-'));
    mkdirSync(this.runnerTemp, { recursive: true });
    this.env = env;
    this.dist = dist;
    this.log = log;
    this.stepTimeoutMs = stepTimeoutMs;
    this.posts = [];
    this.failed = false;
    this.cancelled = signal?.aborted ?? false;
    this.children = new Set();
    signal?.addEventListener('abort', () => {
      this.cancelled = true;
      for (const child of this.children) child.kill('SIGINT');
    });
    /** steps.<id>: {outputs, outcome: success|failure|skipped, summary, errors, ms}. */
    this.steps = {};
    this.timings = [];
  }

  /**
   * Runs one step's main unless its `if` says no (default: success(), as the runner implies it);
   * returns its result (outputs, summary, errors). Its post step, if the action has one, is queued.
   */
  async step(action, inputs, { id = action, if: condition = (ctx) => ctx.success(), continueOnError = false } = {}) {
    const ctx = { success: () => !this.failed && !this.cancelled, failure: () => this.failed, cancelled: () => this.cancelled, steps: this.steps };
    if (!condition(ctx)) {
      this.steps[id] = { outputs: {}, outcome: 'skipped', summary: '', errors: [], ms: 0 };
      this.log(`\n--- ${this.name} / ${id}: skipped (if: false)`);
      return this.steps[id];
    }
    const result = await this.run(action, 'main', withDefaults(action, inputs), {});
    const outcome = result.failed ? 'failure' : 'success';
    this.steps[id] = { ...result, outcome };
    this.timings.push({ step: id, ms: result.ms, outcome });
    this.print(`${this.name} / ${id}`, result);
    if (hasPost(this.dist, action)) this.posts.push({ action, inputs: withDefaults(action, inputs), state: result.state, id });
    if (result.failed && !continueOnError) this.failed = true;
    return this.steps[id];
  }

  /** Runs queued post steps in reverse order, as the runner does at the end of a job. */
  async finish() {
    for (const post of this.posts.reverse()) {
      const result = await this.run(post.action, 'post', post.inputs, post.state);
      this.timings.push({ step: `post ${post.id}`, ms: result.ms, outcome: result.failed ? 'failure' : 'success' });
      this.print(`${this.name} / post ${post.id}`, result);
      if (result.failed) this.failed = true;
    }
    this.posts = [];
  }

  run(action, kind, inputs, state) {
    const files = runnerFiles(inputs, state);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: this.runnerTemp, GITHUB_WORKSPACE: root, ...this.env, ...files.env };
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, stepCommand(this.dist, action, kind), { env, cwd: root });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      // A step over its time is cancelled like the runner does it: SIGINT, then SIGTERM, then kill.
      const timers = [
        setTimeout(() => child.kill('SIGINT'), this.stepTimeoutMs),
        setTimeout(() => child.kill('SIGTERM'), this.stepTimeoutMs + 7_500),
        setTimeout(() => child.kill('SIGKILL'), this.stepTimeoutMs + 10_000),
      ];
      child.on('close', (code) => {
        this.children.delete(child);
        timers.forEach(clearTimeout);
        const result = collectResult(files, stdout, code !== 0);
        resolve({ ...result, stderr, exitCode: code, ms: performance.now() - started });
      });
    });
  }

  print(title, result) {
    const log = this.log;
    log(`\n--- ${title}: ${result.failed ? 'FAILED' : 'ok'} in ${(result.ms / 1000).toFixed(1)} s`);
    for (const line of result.stdout.split('\n')) {
      if (/^::(debug|add-mask|group|endgroup)[:\s]/.test(line)) continue;
      // Annotations as the runner shows them: `Error: <message>`, with the command encoding undone.
      const annotation = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line);
      const text = annotation ? `${annotation[1][0].toUpperCase()}${annotation[1].slice(1)}: ${decode(annotation[2])}` : line;
      if (text.trim()) log(`  ${text}`);
    }
    if (result.stderr.trim()) log(`  stderr: ${result.stderr.trim().split('\n').slice(-5).join('\n  ')}`);
    const outputs = Object.entries(result.outputs).filter(([k]) => k !== 'report');
    if (outputs.length) log(`  outputs: ${outputs.map(([k, v]) => `${k}=${cutToLength(v, 80, { mark: '...' })}`).join(' ')}`);
    if (result.summary.trim()) log(`  summary:\n${result.summary.trim().split('\n').map((l) => `    ${l}`).join('\n')}`);
  }
}

const decode = (s) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

const defaultsCache = new Map();

/**
 * The runner gives every input declared in action.yml: the value in `with:`, else its default.
 * `${{ github.token }}` defaults become empty (the demo has no GitHub); other expressions are not evaluated.
 */
export function withDefaults(action, inputs) {
  if (!defaultsCache.has(action)) {
    const meta = parse(readFileSync(join(root, action, 'action.yml'), 'utf8'));
    const defaults = {};
    for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
      if (spec?.default === undefined) continue;
      defaults[name] = String(spec.default).replace(/\$\{\{\s*github\.token\s*\}\}/g, '');
    }
    defaultsCache.set(action, defaults);
  }
  const given = Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
  return { ...defaultsCache.get(action), ...given };
}
