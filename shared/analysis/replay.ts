import { Assessment, type AssessmentOptions, type Verdict } from './assessment.js';
import type { MetricSpec } from './metric-spec.js';
import type { AnalysisReport } from './report.js';
import { parseTrace } from './trace.js';

export interface ReplayOptions extends AssessmentOptions {
  /** The input name used in error messages (default `replay`). */
  input?: string;
  /** Judge the trace as one step of its own length: `horizon` = the trace's intervals (monitor-canary's replay). */
  horizonFromTrace?: boolean;
}

export interface ReplayResult {
  verdict: Verdict;
  reason: string;
  /** Intervals consumed when the verdict was reached (the trace's length when it ran out undecided). */
  decidedAfter: number;
  report: AnalysisReport;
}

/**
 * Judges a recorded trace offline, interval by interval, exactly as the live analysis would, and never waits.
 * Runs out undecided -> `inconclusive`. `horizon` (if smaller than the trace) stops earlier.
 */
export function replayTrace(trace: unknown, specs: readonly MetricSpec[], options: ReplayOptions = {}): ReplayResult {
  const { input, horizonFromTrace, ...assessmentOptions } = options;
  const { intervals } = parseTrace(trace, specs, input);
  if (horizonFromTrace && intervals.length > 0) assessmentOptions.horizon = intervals.length;
  const assessment = new Assessment(specs, assessmentOptions);
  for (const interval of intervals) {
    if (assessment.add(interval).decided) break;
  }
  const d = assessment.conclude();
  return { verdict: d.verdict, reason: d.reason, decidedAfter: d.intervals, report: assessment.report() };
}
