/**
 * Confidence bounds for a pass rate: k passing units out of n. The gate trusts the lower bound, so a
 * suite of 20 cases that all pass does not look as certain as one of 2,000.
 */
import { incompleteBeta, logGamma } from '../../analysis/sequences/math.js';

// One copy of the special functions serves the canary analysis and the model gate.
export { incompleteBeta, logGamma };

export type IntervalMethod = 'wilson' | 'clopper-pearson';

export interface Interval {
  lower: number;
  upper: number;
}

/** Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
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
