import { DEFAULT_TUNING, type ConfidenceSequence, type SequenceTuning } from './sequence.js';
import { dispersion, Residuals } from './math.js';
import type { HorizonScore } from './horizon.js';

/** Prior spread of the log effect: a change of about x1.65 is one standard deviation. */
const PRIOR_SD = 0.5;

/**
 * Confidence sequence for a positive quantity judged on the log scale from per-interval estimates that carry
 * their own variance: the ratio canary/control of a latency statistic (p95, mean) computed from raw samples,
 * or the canary's statistic alone against an absolute bound.
 *
 * Why this method: with per-interval estimates d_t ~ N(theta, v_t), the precision-weighted sum is a Gaussian
 * martingale and its normal mixture (Robbins; the mSPRT of Johari et al. 2017; the normal-mixture boundary of
 * Howard et al. 2021) gives a closed-form anytime-valid interval. The variances v_t come from the samples
 * (order statistics for a percentile, the standard error for a mean); pod-to-pod and minute-to-minute noise
 * that the samples do not show is absorbed by a dispersion factor from Pearson residuals, shrunk toward 1.
 */
export class LogGaussianSequence implements ConfidenceSequence {
  intervals = 0;
  /** Sums over intervals of 1/shape, d/shape and variance/shape (see add). */
  private sInv = 0;
  private sD = 0;
  private sRatio = 0;
  private readonly residuals = new Residuals<[number, number]>(([d, inv]) => {
    const e = d - this.sD / this.sInv;
    return (inv * e ** 2) / this.pooled();
  });
  private phi = 1;

  constructor(private readonly tuning: SequenceTuning = DEFAULT_TUNING) {}

  /**
   * Adds one interval's log estimate `d` with the variance its samples give (> 0) and the shape of that variance
   * (1/n for n samples; 1/n + 1/m for a difference of two). The interval is weighted by its shape and the variances
   * pooled over the intervals (variance_t is taken as mean(variance/shape)·shape_t): one interval's variance, read
   * from a few order statistics, is too noisy to weigh it by (weighting by it put the false-alarm rate at about
   * twice the promise at 60 samples an interval; README).
   */
  add(d: number, variance: number, shape = variance): void {
    if (!Number.isFinite(d) || !(variance > 0) || !Number.isFinite(variance) || !(shape > 0)) return;
    this.intervals++;
    this.sInv += 1 / shape;
    this.sD += d / shape;
    this.sRatio += variance / shape;
    this.residuals.add([d, 1 / shape]);
    this.phi = dispersion(this.residuals.total, this.intervals, this.tuning.dispersionPrior);
  }

  /** The pooled variance per unit of shape. */
  private pooled(): number {
    return this.sRatio / this.intervals;
  }

  /** Total precision (the sum of the pooled weights) and the precision-weighted sum of the estimates. */
  private get sw(): number {
    return this.sInv / this.pooled();
  }

  private get swd(): number {
    return this.sD / this.pooled();
  }

  get dispersion(): number {
    return this.phi;
  }

  estimate(): number | undefined {
    return this.intervals ? Math.exp(this.swd / this.sw) : undefined;
  }

  /**
   * Half-width on the log scale where the two-sided normal-mixture e-value reaches 1/(2 alpha). The mixture is
   * symmetric and so is the Gaussian noise, so each side is crossed with probability at most alpha: the
   * bounds are one-sided at level alpha, as `side` needs.
   */
  private halfWidth(alpha: number): number {
    const w = this.sw / this.phi;
    const t2w = PRIOR_SD * PRIOR_SD * w;
    return Math.sqrt((2 * (1 + t2w) * (Math.log(1 / (2 * alpha)) + 0.5 * Math.log1p(t2w))) / (PRIOR_SD * PRIOR_SD * w * w));
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    if (!this.intervals || !(value > 0)) return 'spans';
    const [lo, hi] = this.interval(alpha);
    return lo > value ? 'above' : hi < value ? 'below' : 'spans';
  }

  interval(alpha: number): [number, number] {
    if (!this.intervals) return [0, Infinity];
    const theta = this.swd / this.sw;
    const h = this.halfWidth(alpha);
    return [Math.exp(theta - h), Math.exp(theta + h)];
  }

  /** For a known horizon: the z statistic of the log estimate at `value` (dispersion-adjusted), and the information. */
  score(value: number): HorizonScore | undefined {
    if (!this.intervals || !(value > 0)) return undefined;
    const z = (this.swd / this.sw - Math.log(value)) * Math.sqrt(this.sw / this.phi);
    return { above: z, below: z, information: this.sw };
  }

  /** The values a group-sequential test at z boundary `c` does not reject. */
  horizonInterval(c: number): [number, number] {
    if (!this.intervals || !Number.isFinite(c)) return [0, Infinity];
    const theta = this.swd / this.sw;
    const h = c / Math.sqrt(this.sw / this.phi);
    return [Math.exp(theta - h), Math.exp(theta + h)];
  }
}
