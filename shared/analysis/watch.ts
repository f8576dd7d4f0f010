import type { MetricsProvider, TargetNames } from '../metrics/provider.js';
import { Assessment, type AssessmentOptions, type Verdict } from './assessment.js';
import type { MetricSpec } from './metric-spec.js';
import { heartbeat, type AnalysisReport } from './report.js';
import { sleep, windowEndingAt } from './watch-clock.js';

export interface WatchPlan {
  durationMs: number;
  intervalMs: number;
}

export interface WatchDeps {
  provider: MetricsProvider;
  specs: readonly MetricSpec[];
  /** `{{target}}` for the released version (judged) and for its control (the previous version). */
  targets: TargetNames;
  options: Pick<AssessmentOptions, 'falseAlarmRate' | 'failureLimit' | 'onMissingData'>;
  log: (line: string) => void;
  signal?: AbortSignal;
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface WatchResult {
  verdict: Verdict;
  reason: string;
  /** Intervals judged (fewer than planned when a breach ended the watch early). */
  intervals: number;
  /** True when not one interval of any metric gave a value for the released version. */
  noData: boolean;
  report: AnalysisReport;
}

/** How many intervals a watch of `durationMs` judges. */
export function watchIntervals(plan: WatchPlan): number {
  return Math.max(1, Math.floor(plan.durationMs / plan.intervalMs));
}

/**
 * Watches a released version for the whole planned duration with the same engine as monitor-canary.
 * The rules that differ from a canary analysis, and why:
 * - A breach ends the watch at once (`fail`), but a pass cannot come early: the watch exists to catch
 *   a regression that shows late, so the pass is only given at the last interval (minIntervalsToPass).
 * - Provider errors are no evidence either way (no consecutive-error limit): a Prometheus outage must not
 *   roll a release back, and does not count as health: with too few good intervals the result is
 *   `inconclusive`. An empty series fails only with `on-missing-data: fail`.
 */
export async function watchMetrics(plan: WatchPlan, deps: WatchDeps): Promise<WatchResult> {
  const now = deps.now ?? Date.now;
  const wait = deps.wait ?? sleep;
  const total = watchIntervals(plan);
  // A fixed number of looks: the horizon lets the engine spend the false-alarm rate over exactly these.
  const assessment = new Assessment(deps.specs, { ...deps.options, horizon: total, minIntervalsToPass: total, consecutiveErrorLimit: Number.MAX_SAFE_INTEGER });
  for (let i = 0; i < total; i++) {
    await wait(plan.intervalMs, deps.signal);
    const measured = await deps.provider.measure(deps.specs, windowEndingAt(now(), plan.intervalMs), deps.targets);
    const decision = assessment.add(measured);
    deps.log(heartbeat(assessment));
    if (decision.decided) break;
  }
  const decision = assessment.conclude();
  return {
    verdict: decision.verdict,
    reason: decision.reason,
    intervals: assessment.intervals,
    noData: assessment.metrics.every((m) => m.withData === 0),
    report: assessment.report(),
  };
}
