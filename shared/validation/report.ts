import type { BaselineComparison } from './baseline.js';
import type { DriftReport } from './drift.js';
import type { CaseResult, Tally } from './results.js';
import type { TokenPrice } from './suite.js';
import type { Shard } from './shard.js';
import { quantile } from './stats/histogram.js';
import type { IntervalMethod } from './stats/binomial.js';
import { combineVerdicts, judgeGate, type Gate, type Verdict } from './verdict.js';

export const REPORT_SCHEMA = 'ai-deploy/model-validate-report@1';

export interface ReportSettings {
  threshold: number;
  confidence: number;
  method: IntervalMethod;
  repeats: number;
  maxRepeats: number;
  concurrency: number;
  metricThresholds: Record<string, number>;
  /** Price per 1,000 input and output tokens, when the suite gives one. */
  price?: TokenPrice;
}

export interface ModelIdentity {
  name?: string;
  version?: string;
  /** sha256 digest of the model (its manifest when it comes from the registry). */
  checksum?: string;
}

/** The full result of a validation: what was tested, against what, and the verdict with its numbers. */
export interface ValidationReport {
  schema: typeof REPORT_SCHEMA;
  createdAt: string;
  model: ModelIdentity;
  suite: { path: string; name: string; digest: string; cases: number };
  shard?: Shard;
  settings: ReportSettings;
  verdict: Verdict;
  passRate: number;
  gates: Gate[];
  baseline?: BaselineComparison;
  drift?: DriftReport;
  performance: Performance;
  /** Tokens of the run, and their cost at the suite's price. */
  usage?: { input: number; output: number; cost?: { input: number; output: number; total: number } };
  tally: Tally;
  cases: CaseResult[];
}

export interface Performance {
  p50Ms?: number;
  p95Ms?: number;
  requestsPerSecond: number;
  concurrency: number;
  /** Streamed answers: time to first token, and output tokens per second (p5: the slowest 5%). */
  ttftP50Ms?: number;
  ttftP95Ms?: number;
  tokensPerSecondP50?: number;
  tokensPerSecondP5?: number;
}

export interface ReportParts {
  model: ModelIdentity;
  suite: ValidationReport['suite'];
  shard?: Shard;
  settings: ReportSettings;
  tally: Tally;
  cases: CaseResult[];
  baseline?: BaselineComparison;
  drift?: DriftReport;
}

/** Judges the gates from the counts; a single run, a shard and a merge of shards all go through here. */
export function buildReport(parts: ReportParts): ValidationReport {
  const { tally, settings } = parts;
  const gateSettings = { confidence: settings.confidence, method: settings.method };
  const gates = [judgeGate('suite', tally.passedCases, tally.cases, settings.threshold, gateSettings)];
  for (const [name, m] of Object.entries(tally.metrics).sort(([a], [b]) => a.localeCompare(b))) {
    gates.push(judgeGate(name, m.passed, m.cases, settings.metricThresholds[name] ?? settings.threshold, gateSettings));
  }
  const verdict = combineVerdicts([...gates.map((g) => g.verdict), ...(parts.baseline ? [parts.baseline.verdict] : []), ...(parts.drift ? [parts.drift.verdict] : [])]);
  return {
    schema: REPORT_SCHEMA,
    createdAt: new Date().toISOString(),
    model: parts.model,
    suite: parts.suite,
    shard: parts.shard,
    settings,
    verdict,
    passRate: gates[0].rate,
    gates,
    baseline: parts.baseline,
    drift: parts.drift,
    performance: performance(tally, settings.concurrency),
    usage: usage(tally, settings.price),
    tally,
    cases: parts.cases,
  };
}

function performance(tally: Tally, concurrency: number): Performance {
  const p: Performance = { p50Ms: quantile(tally.latency, 0.5), p95Ms: quantile(tally.latency, 0.95), requestsPerSecond: tally.throughput, concurrency };
  if (tally.ttft) Object.assign(p, { ttftP50Ms: quantile(tally.ttft, 0.5), ttftP95Ms: quantile(tally.ttft, 0.95) });
  if (tally.tokensPerSecond) Object.assign(p, { tokensPerSecondP50: quantile(tally.tokensPerSecond, 0.5), tokensPerSecondP5: quantile(tally.tokensPerSecond, 0.05) });
  return p;
}

function usage(tally: Tally, price: TokenPrice | undefined): ValidationReport['usage'] {
  if (!tally.tokens) return undefined;
  const { input, output } = tally.tokens;
  if (!price) return { input, output };
  const cost = { input: (input / 1000) * price.input, output: (output / 1000) * price.output, total: 0 };
  cost.total = cost.input + cost.output;
  return { input, output, cost };
}

/** Failed cases, the worst first (lowest share of passing runs), for the summary and annotations. */
export function worstCases(cases: readonly CaseResult[], limit: number): CaseResult[] {
  return cases
    .filter((c) => !c.passed)
    .sort((a, b) => a.passes / a.runs - b.passes / b.runs || a.line - b.line)
    .slice(0, limit);
}
