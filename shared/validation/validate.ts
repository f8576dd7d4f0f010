import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { compareWithBaseline } from './baseline.js';
import { ConfigurationError } from '../errors.js';
import { checkSuite, compiledCases, suiteFolder, type SuiteCheck } from './compile-suite.js';
import { compareDatasets, loadDataset } from './drift.js';
import { createEndpointClient } from './endpoint/clients.js';
import { resolveEndpoint, type EndpointOverrides } from './endpoint/spec.js';
import type { EndpointClient } from './endpoint/types.js';
import { evaluate } from './evaluate.js';
import { createJudge, resolveJudge, type JudgeSpec } from './judge.js';
import { buildReport, type ModelIdentity, type ReportSettings, type ValidationReport } from './report.js';
import type { Shard } from './shard.js';
import { openSuite } from './suite-file.js';
import type { EndpointSpec, SuiteSource } from './suite.js';
import type { IntervalMethod } from './stats/binomial.js';

/** Everything a validation needs, typed; the action's inputs fill it at the edge. */
export interface ValidationPlan {
  /** Path of the suite file on disk, and as shown in reports and annotations (relative to the workspace). */
  suiteFile: string;
  suiteDisplayPath?: string;
  endpoint: EndpointOverrides;
  /** The `judge-*` inputs: the judge endpoint of `judge` assertions, over the suite's `judge:` block. */
  judge?: { url?: string; apiKey?: string; model?: string };
  /** Overrides of the suite's own settings. */
  repeats?: number;
  maxRepeats?: number;
  threshold?: number;
  concurrency: number;
  confidence: number;
  method: IntervalMethod;
  shard?: Shard;
  drift?: { reference: string; current: string; limit: number };
}

/** A plan checked end to end, before any request: the suite compiles, the endpoint is well-formed, datasets read. */
export interface PreparedValidation {
  plan: ValidationPlan;
  source: SuiteSource;
  check: SuiteCheck;
  endpoint: EndpointSpec;
  judge?: JudgeSpec;
  settings: ReportSettings;
  suite: ValidationReport['suite'];
  drift?: ValidationReport['drift'];
}

export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

export async function prepareValidation(plan: ValidationPlan): Promise<PreparedValidation> {
  const display = plan.suiteDisplayPath ?? plan.suiteFile;
  const source = await openSuite(plan.suiteFile, display);
  // The digest is read beside the check pass rather than after it.
  const repeats = plan.repeats ?? source.settings.repeats ?? 1;
  const [check, digest] = await Promise.all([checkSuite(source, suiteFolder(plan.suiteFile), plan.shard, repeats), fileDigest(plan.suiteFile)]);
  const endpoint = resolveEndpoint(source.settings.endpoint, plan.endpoint, display);
  const judge = resolveJudge(source.settings.judge, { ...plan.judge, timeoutMs: plan.endpoint.timeoutMs, retries: plan.endpoint.retries }, display);
  if (check.kinds.has('judge') && !judge) {
    throw new ConfigurationError(`Suite ${display}: \`judge\` assertions need a judge endpoint: set the \`judge-endpoint\` input or \`judge.url\` in the suite.`);
  }
  const timed = ['ttft-ms', 'tokens-per-second'].filter((k) => check.kinds.has(k));
  if (timed.length && !endpoint.stream) {
    throw new ConfigurationError(`Suite ${display}: \`${timed[0]}\` assertions need a streamed answer: set \`stream: true\` in the suite's \`endpoint:\` block.`);
  }
  const metricThresholds = Object.fromEntries(
    Object.entries(source.settings.metrics).flatMap(([k, v]) => (v.threshold === undefined ? [] : [[k, v.threshold]])),
  );
  const settings: ReportSettings = {
    threshold: plan.threshold ?? source.settings.threshold ?? 0.9,
    confidence: plan.confidence,
    method: plan.method,
    repeats,
    maxRepeats: Math.max(repeats, plan.maxRepeats ?? repeats * 3),
    concurrency: plan.concurrency,
    metricThresholds,
    price: endpoint.price,
  };
  const suite = { path: display, name: source.settings.name ?? basename(plan.suiteFile, extname(plan.suiteFile)), digest, cases: check.total };
  let drift: PreparedValidation['drift'];
  if (plan.drift) {
    const [reference, current] = [await loadDataset(plan.drift.reference, 'reference'), await loadDataset(plan.drift.current, 'current')];
    drift = compareDatasets(reference, current, plan.drift.limit);
  }
  return { plan, source, check, endpoint, judge, settings, suite, drift };
}

/** Runs the prepared suite against its endpoint (or the client given, for tests) and judges it. */
export async function runValidation(
  prepared: PreparedValidation,
  model: ModelIdentity,
  baseline?: { label: string; results: ReadonlyMap<string, boolean>; margin: number },
  client: EndpointClient = createEndpointClient(prepared.endpoint, prepared.plan.concurrency),
): Promise<ValidationReport> {
  const { plan, settings } = prepared;
  const judge = prepared.judge && createJudge(prepared.judge, plan.concurrency);
  let evaluation;
  try {
    evaluation = await evaluate(compiledCases(prepared.source, suiteFolder(plan.suiteFile), plan.shard), client, {
      repeats: settings.repeats,
      maxRepeats: settings.maxRepeats,
      concurrency: plan.concurrency,
      confidence: settings.confidence,
      passRule: prepared.source.settings.passRule,
      judge,
    });
  } finally {
    await Promise.all([client.close(), judge?.close()]);
  }
  return buildReport({
    model,
    suite: prepared.suite,
    shard: plan.shard,
    settings,
    tally: evaluation.tally,
    cases: evaluation.results,
    drift: prepared.drift,
    baseline: baseline && compareWithBaseline(evaluation.results, baseline.results, baseline.label, baseline.margin, settings.confidence),
  });
}

/** A report's case outcomes by id: what is stored per version and read back as a baseline. */
export function caseOutcomes(report: Pick<ValidationReport, 'cases'>): Map<string, boolean> {
  return new Map(report.cases.map((c) => [c.id, c.passed]));
}
