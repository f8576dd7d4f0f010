import type { CaseBatches, CompiledCase } from './compile-suite.js';
import { EndpointError, type EndpointClient } from './endpoint/types.js';
import { countAnswer, countCase, countCheck, countLatency, emptyTally, type CaseResult, type Tally } from './results.js';
import { wilson } from './stats/binomial.js';
import type { PassRule } from './suite.js';
import type { Judge } from './judge.js';

export interface EvaluationOptions {
  /** Runs per case unless the case sets its own `repeats`. */
  repeats: number;
  /** The most runs a case may get when its outcome is still uncertain (adaptive repeats). */
  maxRepeats: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Confidence used to decide whether a mixed case is settled. */
  confidence: number;
  /** The judge of `judge` assertions. */
  judge?: Judge;
  /** How a case's runs decide it, unless the case says (default `majority`). */
  passRule?: PassRule;
  /** Failed requests in a row after which the endpoint is declared down (default max(5, concurrency)). */
  errorLimit?: number;
}

export interface Evaluation {
  results: CaseResult[];
  tally: Tally;
  wallMs: number;
}

/** The state of one case while its runs are in flight. */
class CaseRun {
  planned: number;
  done = 0;
  passes = 0;
  errors = 0;
  reason?: string;
  /** Streamed answers: sums over the runs, for the case's mean time to first token and output rate. */
  ttftSum = 0;
  tpsSum = 0;
  timed = 0;
  /** Passing runs per metric of the run-scope assertions (only for cases that name metrics). */
  readonly metricPasses?: Map<string, number>;
  /** Distinct answers, for case-scope assertions (only for cases that have one). */
  readonly outputs?: Set<string>;
  constructor(readonly c: CompiledCase, planned: number, readonly rule: PassRule) {
    this.planned = planned;
    for (const a of c.checks) {
      if (a.scope === 'case') this.outputs ??= new Set();
      else if (a.metric) (this.metricPasses ??= new Map()).set(a.metric, 0);
    }
  }
}

/** A case is settled when all its runs agree, or when the interval of its run pass share excludes one half. */
export function stillUncertain(passes: number, runs: number, confidence: number): boolean {
  if (passes === 0 || passes === runs) return false;
  const { lower, upper } = wilson(passes, runs, confidence);
  return lower <= 0.5 && upper >= 0.5;
}

const majority = (passes: number, runs: number) => passes * 2 > runs;

/** Whether `passes` of `runs` runs pass the case under its rule. */
function decide(rule: PassRule, passes: number, runs: number): boolean {
  if (rule.kind === 'all') return passes === runs;
  if (rule.kind === 'at-least') return passes >= rule.runs;
  return majority(passes, runs);
}

const MAJORITY: PassRule = { kind: 'majority' };

/**
 * Runs every case against the endpoint with `concurrency` requests in flight, pulling cases from the
 * stream only as slots free up (memory stays flat however long the suite: one batch of the file at a time).
 * A case runs `repeats` times; when its runs disagree and the disagreement is not yet settled, it gets more
 * runs up to `maxRepeats`. A case passes when most of its runs pass all its assertions.
 */
export async function evaluate(cases: CaseBatches, client: EndpointClient, options: EvaluationOptions): Promise<Evaluation> {
  const tally = emptyTally();
  const results: CaseResult[] = [];
  const batches = cases[Symbol.asyncIterator]();
  const queue: CaseRun[] = [];
  const errorLimit = options.errorLimit ?? Math.max(5, options.concurrency);
  let batch: Iterator<CompiledCase | Promise<CompiledCase>> | undefined;
  let reading: Promise<void> | undefined;
  let exhausted = false;
  let failure: unknown;
  let errorsInARow = 0;
  /** Failures in a row of checks that call an endpoint of their own (the judge), apart from the model's. */
  let checkErrorsInARow = 0;
  const started = performance.now();

  function plan(c: CompiledCase): void {
    const run = new CaseRun(c, c.repeats ?? options.repeats, c.passRule ?? options.passRule ?? MAJORITY);
    for (let i = 0; i < run.planned; i++) queue.push(run);
  }

  /** The next run to make: at once while the current batch lasts; a promise only when a batch must be read. */
  function nextRun(): CaseRun | undefined | Promise<CaseRun | undefined> {
    while (failure === undefined) {
      if (queue.length) return queue.shift();
      if (!batch) return exhausted ? undefined : readBatch().then(nextRun);
      const next = batch.next();
      if (next.done) batch = undefined;
      else if (next.value instanceof Promise) return next.value.then((c) => (plan(c), nextRun()));
      else plan(next.value);
    }
    return undefined;
  }

  /** Reads the next batch; workers that run out while it is being read wait for the same read. */
  function readBatch(): Promise<void> {
    reading ??= batches.next().then((r) => {
      reading = undefined;
      if (r.done) exhausted = true;
      else batch = r.value[Symbol.iterator]();
    });
    return reading;
  }

  async function runOnce(run: CaseRun): Promise<void> {
    const { c } = run;
    let completion;
    try {
      completion = await client.complete(c);
      errorsInARow = 0;
    } catch (error) {
      if (!(error instanceof EndpointError)) throw error;
      run.errors++;
      run.reason ??= `endpoint error: ${error.message}`;
      if (++errorsInARow >= errorLimit) {
        throw new EndpointError(`The endpoint failed ${errorsInARow} requests in a row, so the evaluation stopped. Last error: ${error.message}`);
      }
      return;
    }
    countLatency(tally, completion.latencyMs);
    if (completion.ttftMs !== undefined || completion.usage) countAnswer(tally, completion);
    if (completion.ttftMs !== undefined && completion.tokensPerSecond !== undefined) {
      run.ttftSum += completion.ttftMs;
      run.tpsSum += completion.tokensPerSecond;
      run.timed++;
    }
    const context = { output: completion.output, latencyMs: completion.latencyMs, ttftMs: completion.ttftMs, tokensPerSecond: completion.tokensPerSecond, input: c.input, vars: c.vars, caseId: c.id, judge: options.judge };
    let failedMetrics: Set<string> | undefined;
    let pass = true;
    for (const a of c.checks) {
      if (a.scope !== 'run') continue;
      const pending = a.check(context);
      let check;
      try {
        // Most checks are synchronous: awaiting only promises saves a microtask per check.
        if (pending instanceof Promise) {
          check = await pending;
          checkErrorsInARow = 0;
        } else check = pending;
      } catch (error) {
        // A check that needs an endpoint of its own (the judge) and could not reach it: an endpoint error of the run.
        if (!(error instanceof EndpointError)) throw error;
        run.errors++;
        run.reason ??= `${a.type}: endpoint error: ${error.message}`;
        if (++checkErrorsInARow >= errorLimit) throw new EndpointError(`The ${a.type} endpoint failed ${checkErrorsInARow} requests in a row, so the evaluation stopped. Last error: ${error.message}`);
        return;
      }
      countCheck(tally, a.type, check.pass);
      if (check.pass) continue;
      pass = false;
      run.reason ??= `${a.type}: ${check.reason ?? 'failed'}`;
      if (a.metric) (failedMetrics ??= new Set()).add(a.metric);
    }
    if (pass) run.passes++;
    if (run.metricPasses) for (const [m, n] of run.metricPasses) if (!failedMetrics?.has(m)) run.metricPasses.set(m, n + 1);
    run.outputs?.add(completion.output);
  }

  function finish(run: CaseRun): void {
    const { c } = run;
    let passed = decide(run.rule, run.passes, run.planned);
    const metrics: Record<string, boolean> = {};
    if (run.metricPasses) for (const [m, n] of run.metricPasses) metrics[m] = decide(run.rule, n, run.planned);
    for (const a of c.checks) {
      if (a.scope !== 'case' || !a.checkCase) continue;
      const check = a.checkCase(run.outputs?.size ?? 0);
      countCheck(tally, a.type, check.pass);
      if (check.pass) continue;
      passed = false;
      run.reason = `${a.type}: ${check.reason ?? 'failed'}`;
      if (a.metric) metrics[a.metric] = false;
    }
    for (const a of c.checks) if (a.metric && !(a.metric in metrics)) metrics[a.metric] = true;
    const result: CaseResult = { id: c.id, line: c.line, passed, runs: run.planned, passes: run.passes, errors: run.errors };
    if (run.timed) {
      result.ttftMs = Math.round(run.ttftSum / run.timed);
      result.tokensPerSecond = Math.round((run.tpsSum / run.timed) * 10) / 10;
    }
    if (run.rule.kind !== 'majority') result.rule = run.rule.kind === 'all' ? 'all' : `at-least ${run.rule.runs}`;
    if (Object.keys(metrics).length) result.metrics = metrics;
    if (run.rule.kind === 'majority' && stillUncertain(run.passes, run.planned, options.confidence)) result.uncertain = true;
    if (!passed) result.reason = run.reason ?? 'failed';
    results.push(result);
    countCase(tally, result);
  }

  async function worker(): Promise<void> {
    for (;;) {
      const next = nextRun();
      // Awaiting only a promise saves a microtask per case.
      const run = next instanceof Promise ? await next : next;
      if (!run) return;
      await runOnce(run);
      run.done++;
      if (run.done < run.planned) continue;
      // Only the majority rule adds runs: `all` and `at-least` are decided by the runs the case asked for.
      if (run.rule.kind === 'majority' && stillUncertain(run.passes, run.planned, options.confidence) && run.planned < options.maxRepeats) {
        const extra = Math.min(options.repeats, options.maxRepeats - run.planned);
        run.planned += extra;
        tally.extraRuns += extra;
        for (let i = 0; i < extra; i++) queue.unshift(run);
      } else finish(run);
    }
  }

  const guarded = async () => {
    try {
      await worker();
    } catch (error) {
      failure ??= error;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, guarded));
  if (failure !== undefined) {
    await batches.return?.();
    throw failure;
  }
  const wallMs = performance.now() - started;
  tally.throughput = wallMs > 0 ? ((tally.runs) / wallMs) * 1000 : 0;
  results.sort((a, b) => a.line - b.line);
  return { results, tally, wallMs };
}
