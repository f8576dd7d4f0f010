import type { AnalysisReport, Verdict } from '../../shared/analysis/index.js';
import type { StageReport } from '../../shared/hooks/index.js';

/** One step of the walk (replay: the whole trace), with the engine's full evidence for it. */
export interface StepReport {
  /** Canary weight in percent during the step; undefined in replay. */
  weight?: number;
  outcome: Verdict;
  intervals: number;
  analysis: AnalysisReport;
}

/** The full evidence behind a verdict: written as JSON at output `report` and uploaded as an artifact. */
export interface MonitorReport {
  mode: 'live' | 'replay';
  verdict: Verdict;
  reason: string;
  /** Intervals consumed when the verdict was reached. */
  decidedAfter: number;
  /** Canary weight when the action ended (live). */
  weight?: number;
  provider?: string;
  steps: StepReport[];
  /** The `during` hooks run alongside the live analysis, with their results. */
  hooks?: StageReport;
}
