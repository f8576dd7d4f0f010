/**
 * Confidence bounds for a pass rate: k passing units out of n. The gate trusts the lower bound, so a
 * suite of 20 cases that all pass does not look as certain as one of 2,000.
 */
import { incompleteBeta, logGamma } from '../../analysis/sequences/math.js';
import { normalUpperQuantile } from '../../analysis/sequences/normal.js';

// One copy of the special functions serves the canary analysis and the model gate.
export { incompleteBeta, logGamma };

export type IntervalMethod = 'wilson' | 'clopper-pearson';

export interface Interval {
  lower: number;
  upper: number;
}

/** Standard normal quantile: the z with P(Z <= z) = p (the analysis engine's, accurate to about 1e-9). */
export function normalQuantile(p: number): number {
  return -normalUpperQuantile(p);
}

/** Wilson score interval at two-sided confidence `confidence` (0.95 -> z = 1.96). */
export function wilson(k: number, n: number, confidence: number): Interval {
  if (n === 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** The p-quantile of Beta(a, b), by bisection (monotone, 60 halvings reach double precision). */
export function betaQuantile(p: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Clopper-Pearson ("exact") interval: never narrower than the truth, so it is the cautious choice. */
export function clopperPearson(k: number, n: number, confidence: number): Interval {
  if (n === 0) return { lower: 0, upper: 1 };
  const alpha = 1 - confidence;
  return {
    lower: k === 0 ? 0 : betaQuantile(alpha / 2, k, n - k + 1),
    upper: k === n ? 1 : betaQuantile(1 - alpha / 2, k + 1, n - k),
  };
}

export function passRateInterval(k: number, n: number, confidence: number, method: IntervalMethod): Interval {
  return method === 'wilson' ? wilson(k, n, confidence) : clopperPearson(k, n, confidence);
}

/** P(X <= k) for X ~ Binomial(n, p), through the incomplete beta function (exact, O(1) in n). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  return 1 - incompleteBeta(p, k + 1, n - k);
}
