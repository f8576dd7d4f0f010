import { passRateInterval, type IntervalMethod } from './stats/binomial.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** One pass-rate gate: the suite as a whole, or one named metric. */
export interface Gate {
  name: string;
  passed: number;
  total: number;
  rate: number;
  lower: number;
  upper: number;
  threshold: number;
  verdict: Verdict;
}

export interface GateSettings {
  confidence: number;
  method: IntervalMethod;
}

/**
 * Pass when the lower confidence bound of the pass rate clears the threshold, fail when even the upper
 * bound is below it, inconclusive in between (more cases would decide). No cases is no evidence.
 */
export function judgeGate(name: string, passed: number, total: number, threshold: number, s: GateSettings): Gate {
  const { lower, upper } = passRateInterval(passed, total, s.confidence, s.method);
  const verdict: Verdict = total === 0 ? 'inconclusive' : lower >= threshold ? 'pass' : upper < threshold ? 'fail' : 'inconclusive';
  return { name, passed, total, rate: total ? passed / total : 0, lower, upper, threshold, verdict };
}

/** Any failing part fails the whole; otherwise any undecided part leaves it inconclusive. */
export function combineVerdicts(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}
