import type { ConfidenceSequence } from './sequence.js';
import { bisect, studentUpper } from './math.js';
import { invertScore, type HorizonScore } from './horizon.js';
import { normalUpperQuantile } from './normal.js';

/** Fewest per-interval values before a horizon test judges them (two degrees of freedom for the spread). */
const MIN_VALUES = 3;

/**
 * For a known horizon: the t statistic of n values with sum `s` and sum of squares `q` (about 0), turned into
 * a normal deviate with the same tail probability (the "significance level" approach to group-sequential
 * t-tests, Jennison & Turnbull 2000, sec. 3.8). Information: one unit per value.
 */
function tScore(n: number, s: number, q: number): HorizonScore | undefined {
  if (n < MIN_VALUES) return undefined;
  const mean = s / n;
  const ss = Math.max(q - n * mean * mean, 1e-300);
  const t = mean / Math.sqrt(ss / (n - 1) / n);
  const z = normalUpperQuantile(studentUpper(t, n - 1));
  return { above: z, below: z, information: n };
}

/** Prior spread of the standardized effect (mean / standard deviation of the per-interval values). */
const PRIOR_SD = 2;

/**
 * log of the scale-invariant Gaussian mixture (Lai 1976; Wang & Ramdas 2023, "Anytime-valid t-tests and
 * confidence sequences for Gaussian means with unknown variance") for H0: mean = 0, from n values with sum
 * `s` and sum of squares `q`. It is a nonnegative martingale under H0 whatever the variance, so it needs no
 * variance estimate plugged in: exactly what per-interval values (one p95 per minute) need. The mixture and
 * the noise are symmetric, so each side is crossed with probability at most alpha/2 when the whole is
 * compared with 1/alpha: one-sided tests at level alpha compare it with 1/(2 alpha).
 */
export function logTMixture(n: number, s: number, q: number): number {
  if (n < 2 || !(q > 0)) return -Infinity;
  const c = 1 / (PRIOR_SD * PRIOR_SD);
  const r = Math.min((s * s) / ((n + c) * q), 1 - 1e-15);
  return -0.5 * Math.log1p(n * PRIOR_SD * PRIOR_SD) - (n / 2) * Math.log1p(-r);
}

/** Confidence sequence for the mean of one value per interval (the canary's value against absolute bounds). */
export class MeanSequence implements ConfidenceSequence {
  intervals = 0;
  private s = 0;
  private q = 0;

  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.intervals++;
    this.s += v;
    this.q += v * v;
  }

  estimate(): number | undefined {
    return this.intervals ? this.s / this.intervals : undefined;
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    const n = this.intervals;
    const s = this.s - n * value;
    const q = this.q - 2 * value * this.s + n * value * value;
    if (logTMixture(n, s, q) < Math.log(1 / (2 * alpha))) return 'spans';
    return s > 0 ? 'above' : 'below';
  }

  score(value: number): HorizonScore | undefined {
    const n = this.intervals;
    return tScore(n, this.s - n * value, this.q - 2 * value * this.s + n * value * value);
  }

  horizonInterval(c: number): [number, number] {
    const n = this.intervals;
    if (n < MIN_VALUES) return [-Infinity, Infinity];
    const mean = this.s / n;
    const sd = Math.sqrt(Math.max(0, this.q - n * mean * mean) / (n - 1));
    const span = 40 * (sd + Math.abs(mean)) + 1;
    return invertScore((v) => this.score(v), c, mean - span, mean + span);
  }

  interval(alpha: number): [number, number] {
    const n = this.intervals;
    if (n < 2) return [-Infinity, Infinity];
    const mean = this.s / n;
    const ss = Math.max(0, this.q - n * mean * mean);
    const c = 1 / (PRIOR_SD * PRIOR_SD);
    const k = Math.exp((-2 / n) * (Math.log(1 / (2 * alpha)) + 0.5 * Math.log1p(n * PRIOR_SD * PRIOR_SD)));
    const denom = n - (1 - k) * (n + c);
    if (denom <= 0) return [-Infinity, Infinity];
    const h = Math.sqrt(((1 - k) * (n + c) * ss) / denom / n);
    return [mean - h, mean + h];
  }
}

/**
 * Confidence sequence for the ratio of means canary/control of one value per interval (p95 latency from a
 * provider), by inverting the t-mixture test of "mean(canary - rho · control) = 0" over rho (Fieller's
 * construction). Pairing each interval's canary with its control cancels what moves both (load, time of day).
 */
export class RatioOfMeansSequence implements ConfidenceSequence {
  intervals = 0;
  private sc = 0;
  private ss = 0;
  private qcc = 0;
  private qss = 0;
  private qcs = 0;

  add(canary: number, control: number): void {
    if (!Number.isFinite(canary) || !Number.isFinite(control)) return;
    this.intervals++;
    this.sc += canary;
    this.ss += control;
    this.qcc += canary * canary;
    this.qss += control * control;
    this.qcs += canary * control;
  }

  estimate(): number | undefined {
    return this.intervals && this.ss > 0 ? this.sc / this.ss : undefined;
  }

  private logE(rho: number): number {
    const s = this.sc - rho * this.ss;
    const q = this.qcc - 2 * rho * this.qcs + rho * rho * this.qss;
    return logTMixture(this.intervals, s, q);
  }

  score(rho: number): HorizonScore | undefined {
    return tScore(this.intervals, this.sc - rho * this.ss, this.qcc - 2 * rho * this.qcs + rho * rho * this.qss);
  }

  horizonInterval(c: number): [number, number] {
    const est = this.estimate();
    if (est === undefined || this.intervals < MIN_VALUES) return [0, Infinity];
    const [lo, hi] = invertScore((t) => this.score(Math.exp(t)), c, Math.log(est) - 8, Math.log(est) + 8);
    return [Math.exp(lo), Math.exp(hi)];
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    const est = this.estimate();
    if (est === undefined || this.logE(value) < Math.log(1 / (2 * alpha))) return 'spans';
    return est > value ? 'above' : 'below';
  }

  interval(alpha: number): [number, number] {
    const est = this.estimate();
    if (est === undefined || this.intervals < 2) return [0, Infinity];
    const level = Math.log(1 / (2 * alpha));
    const excluded = (rho: number) => this.logE(rho) - level; // >= 0: excluded
    let hi = Math.max(est, 1e-9) * 2;
    for (let i = 0; i < 40 && excluded(hi) < 0; i++) hi *= 2;
    const upper = excluded(hi) < 0 ? Infinity : bisect(excluded, est, hi);
    const lower = excluded(0) < 0 ? 0 : bisect((rho) => -excluded(rho), 0, est);
    return [lower, upper];
  }
}
