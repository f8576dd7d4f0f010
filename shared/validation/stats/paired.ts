import { binomialCdf, wilson } from './binomial.js';

/**
 * Paired comparison of a candidate with its baseline on the same cases. Each case is a pair of
 * outcomes; only discordant pairs carry evidence: `regressed` (baseline passed, candidate failed)
 * and `improved` (the reverse).
 */
export interface PairCounts {
  bothPass: number;
  regressed: number;
  improved: number;
  bothFail: number;
}

/** One-sided exact McNemar p-value for "the candidate is worse": P(X >= regressed), X ~ Bin(discordant, 1/2). */
export function mcnemarWorsePValue(c: PairCounts): number {
  const discordant = c.regressed + c.improved;
  if (discordant === 0) return 1;
  return 1 - binomialCdf(c.regressed - 1, discordant, 0.5);
}

/**
 * Newcombe's hybrid score interval (method 10) for the paired difference candidate - baseline in pass rate.
 * Good coverage at small n and at 0 or 1 rates, where the Wald interval fails.
 */
export function pairedDifferenceInterval(c: PairCounts, confidence: number): { estimate: number; lower: number; upper: number } {
  const n = c.bothPass + c.regressed + c.improved + c.bothFail;
  if (n === 0) return { estimate: 0, lower: -1, upper: 1 };
  const candPass = c.bothPass + c.improved;
  const basePass = c.bothPass + c.regressed;
  const p1 = candPass / n;
  const p2 = basePass / n;
  const w1 = wilson(candPass, n, confidence);
  const w2 = wilson(basePass, n, confidence);
  const a = c.bothPass;
  const b = c.improved;
  const cc = c.regressed;
  const d = c.bothFail;
  const rowA = a + b;
  const rowB = cc + d;
  const colA = a + cc;
  const colB = b + d;
  const denom = rowA * rowB * colA * colB;
  let phi = 0;
  if (denom > 0) {
    const num = a * d - b * cc;
    // Newcombe's continuity correction of the correlation term.
    const corrected = num > n / 2 ? num - n / 2 : num < 0 ? num : 0;
    phi = corrected / Math.sqrt(denom);
  }
  const estimate = p1 - p2;
  const lower = estimate - Math.sqrt(Math.max(0, (p1 - w1.lower) ** 2 - 2 * phi * (p1 - w1.lower) * (w2.upper - p2) + (w2.upper - p2) ** 2));
  const upper = estimate + Math.sqrt(Math.max(0, (w1.upper - p1) ** 2 - 2 * phi * (w1.upper - p1) * (p2 - w2.lower) + (p2 - w2.lower) ** 2));
  return { estimate, lower: Math.max(-1, lower), upper: Math.min(1, upper) };
}
