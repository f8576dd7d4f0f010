import { mergeInto, record, type LatencyHistogram } from './stats/histogram.js';

/** One case's outcome, kept small: a 100,000-case report stays a few megabytes. */
export interface CaseResult {
  id: string;
  line: number;
  passed: boolean;
  runs: number;
  passes: number;
  errors: number;
  /** Named metrics: did the case pass the assertions of that metric. */
  metrics?: Record<string, boolean>;
  /** Streamed answers: the case's mean time to first token (ms) and output tokens per second over its runs. */
  ttftMs?: number;
  tokensPerSecond?: number;
  /** The case's pass rule when not the default majority: `all` or `at-least k`. */
  rule?: string;
  /** Still undecided after the largest number of runs allowed. */
  uncertain?: boolean;
  /** The first failure, for failed cases. */
  reason?: string;
}

/** Counts over a set of cases; tallies of shards add up to the tally of the whole suite. */
export interface Tally {
  cases: number;
  passedCases: number;
  runs: number;
  passedRuns: number;
  errors: number;
  extraRuns: number;
  uncertainCases: number;
  metrics: Record<string, { cases: number; passed: number }>;
  assertions: Record<string, { checks: number; passed: number }>;
  latency: LatencyHistogram;
  /** Streamed answers: time to first token (ms) and output tokens per second, as histograms like latency. */
  ttft?: LatencyHistogram;
  tokensPerSecond?: LatencyHistogram;
  /** Tokens of every answer, as the endpoint reported them or as counted from its stream. */
  tokens?: { input: number; output: number };
  /** Requests per second of each run merged in (shards run side by side, so they add up). */
  throughput: number;
}

export function emptyTally(): Tally {
  return { cases: 0, passedCases: 0, runs: 0, passedRuns: 0, errors: 0, extraRuns: 0, uncertainCases: 0, metrics: {}, assertions: {}, latency: {}, throughput: 0 };
}

export function countCase(t: Tally, r: CaseResult): void {
  t.cases++;
  if (r.passed) t.passedCases++;
  t.runs += r.runs;
  t.passedRuns += r.passes;
  t.errors += r.errors;
  if (r.uncertain) t.uncertainCases++;
  for (const [name, passed] of Object.entries(r.metrics ?? {})) {
    const m = (t.metrics[name] ??= { cases: 0, passed: 0 });
    m.cases++;
    if (passed) m.passed++;
  }
}

export function countCheck(t: Tally, type: string, passed: boolean): void {
  const a = (t.assertions[type] ??= { checks: 0, passed: 0 });
  a.checks++;
  if (passed) a.passed++;
}

export function countLatency(t: Tally, ms: number): void {
  record(t.latency, ms);
}

/** What one answer adds to the run's streaming figures and token usage. */
export function countAnswer(t: Tally, a: { ttftMs?: number; tokensPerSecond?: number; usage?: { input: number; output: number } }): void {
  if (a.ttftMs !== undefined) record((t.ttft ??= {}), a.ttftMs);
  if (a.tokensPerSecond !== undefined) record((t.tokensPerSecond ??= {}), a.tokensPerSecond);
  if (a.usage) {
    const tokens = (t.tokens ??= { input: 0, output: 0 });
    tokens.input += a.usage.input;
    tokens.output += a.usage.output;
  }
}

export function mergeTallies(tallies: Tally[]): Tally {
  const out = emptyTally();
  for (const t of tallies) {
    for (const k of ['cases', 'passedCases', 'runs', 'passedRuns', 'errors', 'extraRuns', 'uncertainCases', 'throughput'] as const) out[k] += t[k];
    for (const [name, m] of Object.entries(t.metrics)) {
      const o = (out.metrics[name] ??= { cases: 0, passed: 0 });
      o.cases += m.cases;
      o.passed += m.passed;
    }
    for (const [type, a] of Object.entries(t.assertions)) {
      const o = (out.assertions[type] ??= { checks: 0, passed: 0 });
      o.checks += a.checks;
      o.passed += a.passed;
    }
    mergeInto(out.latency, t.latency);
    if (t.ttft) mergeInto((out.ttft ??= {}), t.ttft);
    if (t.tokensPerSecond) mergeInto((out.tokensPerSecond ??= {}), t.tokensPerSecond);
    if (t.tokens) countAnswer(out, { usage: t.tokens });
  }
  return out;
}
