import type { IntervalMeasurements } from '../../shared/analysis/measurement.js';
import type { AnalysisReport, Verdict } from '../../shared/analysis/index.js';

export type { Verdict };

/** The decision after one more interval: a verdict, or `continue` (keep watching), and the heartbeat line. */
export interface Judgement {
  decision: Verdict | 'continue';
  reason: string;
  /** The heartbeat: weight, every metric's estimate with its interval, the decision so far. */
  line: string;
}

/**
 * The analysis engine as monitor-canary's live loop uses it, one judge per step: feed it intervals in
 * order; `conclude` gives the decision when the step's time is up with no early decision.
 */
export interface Judge {
  add(interval: IntervalMeasurements, weight: number): Judgement;
  conclude(weight: number): Judgement;
  report(): AnalysisReport;
}

/** A judge for one step of `horizon` intervals (step-duration / interval): it decides at the step's end itself. */
export type NewJudge = (horizon: number) => Judge;
