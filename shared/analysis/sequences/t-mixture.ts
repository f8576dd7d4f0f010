import type { ConfidenceSequence } from './sequence.js';
import { studentUpper } from './math.js';
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
 * Confidence sequence for the ratio canary/control of one value per interval (p95 latency from a provider),
 * from the mean of the per-interval log ratios: a paired test, so what moves both targets (load, time of day)
 * cancels. The log is the scale latency ratios are judged on (as from samples, log-gaussian.ts): their noise is
 * about symmetric and of one size whatever the level, where the raw difference canary - rho·control grows with
 * the load. Against the raw-scale test it replaced (Fieller's ratio of means), on the bench's two seeds
 * (bench/analysis-spending.bench.ts): 22 and 23 more of 150 p95-only x2 canaries failed by the 5th interval
 * (the median on seed 1 went from 6 to 5), with the same false-fail rates.
 */
export class LogRatioSequence implements ConfidenceSequence {
  private readonly logs = new MeanSequence();

  get intervals(): number {
    return this.logs.intervals;
  }

  /** Adds one interval's pair; a value that is not positive has no log ratio and is left out. */
  add(canary: number, control: number): void {
    if (canary > 0 && control > 0) this.logs.add(Math.log(canary / control));
  }

  estimate(): number | undefined {
    const mean = this.logs.estimate();
    return mean === undefined ? undefined : Math.exp(mean);
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    return value > 0 ? this.logs.side(Math.log(value), alpha) : 'spans';
  }

  interval(alpha: number): [number, number] {
    const [lo, hi] = this.logs.interval(alpha);
    return [Math.exp(lo), Math.exp(hi)];
  }

  score(value: number): HorizonScore | undefined {
    return value > 0 ? this.logs.score(Math.log(value)) : undefined;
  }

  horizonInterval(c: number): [number, number] {
    const [lo, hi] = this.logs.horizonInterval(c);
    return [Math.exp(lo), Math.exp(hi)];
  }
}
