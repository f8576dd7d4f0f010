import type { CaseResult } from './results.js';
import { mcnemarWorsePValue, pairedDifferenceInterval, type PairCounts } from './stats/paired.js';
import type { Verdict } from './verdict.js';

/** The candidate against a baseline version's stored results on the same cases (paired by case id). */
export interface BaselineComparison {
  /** What the baseline was (`production` -> `1.4.0`). */
  baseline: string;
  paired: number;
  /** Candidate cases with no stored baseline result (not compared). */
  unpaired: number;
  counts: PairCounts;
  /** Candidate minus baseline pass rate, with its confidence interval. */
  difference: { estimate: number; lower: number; upper: number };
  /** One-sided exact McNemar p-value for "the candidate is worse". */
  pValue: number;
  margin: number;
  verdict: Verdict;
  reason: string;
}

/**
 * Non-inferiority on paired cases: pass when the whole interval of the difference lies above -margin;
 * fail when it lies below -margin, or when the candidate is significantly worse (exact McNemar) and
 * non-inferiority cannot be shown; inconclusive otherwise.
 */
export function compareWithBaseline(
  candidate: readonly CaseResult[],
  baseline: ReadonlyMap<string, boolean>,
  label: string,
  margin: number,
  confidence: number,
): BaselineComparison {
  const counts: PairCounts = { bothPass: 0, regressed: 0, improved: 0, bothFail: 0 };
  let unpaired = 0;
  for (const c of candidate) {
    const before = baseline.get(c.id);
    if (before === undefined) {
      unpaired++;
      continue;
    }
    if (before && c.passed) counts.bothPass++;
    else if (before) counts.regressed++;
    else if (c.passed) counts.improved++;
    else counts.bothFail++;
  }
  const paired = candidate.length - unpaired;
  const difference = pairedDifferenceInterval(counts, confidence);
  const pValue = mcnemarWorsePValue(counts);
  const pct = (x: number) => `${(x * 100).toFixed(1)} pts`;
  const ci = `difference ${pct(difference.estimate)} [${pct(difference.lower)}, ${pct(difference.upper)}]`;
  let verdict: Verdict;
  let reason: string;
  if (paired === 0) {
    verdict = 'inconclusive';
    reason = `no case of this suite has a stored result for ${label}`;
  } else if (difference.lower > -margin) {
    verdict = 'pass';
    reason = `not worse than ${label} by more than ${pct(margin)}: ${ci}`;
  } else if (difference.upper < -margin || pValue < 1 - confidence) {
    verdict = 'fail';
    reason = `regression against ${label}: ${counts.regressed} cases regressed, ${counts.improved} improved, ${ci}, McNemar p = ${pValue.toPrecision(3)}`;
  } else {
    verdict = 'inconclusive';
    reason = `cannot show it is within ${pct(margin)} of ${label}: ${ci}`;
  }
  return { baseline: label, paired, unpaired, counts, difference, pValue, margin, verdict, reason };
}
