import { addHistograms, countAtMost, countAtMostRange, quantileOf, totalOf, type Histogram } from '../histogram.js';
import type { BinomialCell } from './count-boundary.js';
import { invertScore, type HorizonScore } from './horizon.js';
import { ProportionSequence } from './proportion.js';
import { DEFAULT_TUNING, type ConfidenceSequence, type SequenceTuning } from './sequence.js';

/**
 * Confidence sequence for a quantile of a latency histogram (bucket counts per interval), judged as count data.
 *
 * Why this method: "the canary's q-quantile is at most v" holds exactly when at most a share 1 - q of its requests
 * took longer than v. So each bound on the quantile is a bound on a proportion of counted requests, and the
 * proportion's tests (proportion.ts: exact for binomial counts, anytime or group-sequential, with the same
 * dispersion correction) judge it: no noise has to be estimated from a handful of per-interval values, which is
 * what makes a p95 read once an interval slow to judge. The parameter is the canary's quantile (absolute bounds)
 * or its ratio to the control's (`max-increase`), whose quantile sets the threshold: v times the control's pooled
 * quantile.
 * - Against an absolute bound, a threshold inside a bucket is never interpolated: the test that the quantile is above
 *   it counts only the buckets wholly above it as slower, the test that it is below counts the straddling bucket as
 *   slower too, so neither leans on how requests spread inside a bucket (a coarse bucket only costs power).
 * - Against the control, both sides are read alike, as histogram_quantile reads them: the control's quantile and
 *   the canary's count above the threshold by linear interpolation inside a bucket, so that what interpolation
 *   misreads in one it misreads in the other (rounding the threshold to a bucket bound instead cost a third of the
 *   detection of a p95 x1.5 on coarse buckets). The control's quantile is estimated from its (usually far larger)
 *   traffic and used as if known. Both are approximations (shared/analysis/README.md).
 */
export class QuantileSequence implements ConfidenceSequence {
  intervals = 0;
  private canary: Histogram | undefined;
  private control: Histogram | undefined;
  private readonly canaryIntervals: Histogram[] = [];

  /**
   * Absolute bounds only, where the threshold is fixed and the counts add up interval by interval: each interval's
   * count of slower requests at the bound's edge, Binomial(requests, 1 - q) (count-boundary.ts). The fail test counts
   * fewer (only the buckets wholly above the threshold) and the pass test more (the bucket holding it too), so a
   * boundary worked out on the edge's law is conservative for both. Against the control the threshold moves with the
   * control's quantile, and the Gaussian boundary is kept.
   */
  readonly countCells?: (value: number, from: number) => BinomialCell[];

  /** `q`: the quantile (0.95); `relative`: the parameter is the ratio to the control's quantile. */
  constructor(readonly q: number, readonly relative: boolean, private readonly tuning: SequenceTuning = DEFAULT_TUNING) {
    if (!relative) this.countCells = (_value, from) => this.canaryIntervals.slice(from).map((h) => ({ trials: totalOf(h), p: 1 - q }));
  }

  /** Adds one interval: the canary's histogram and, for a relative bound, the control's. */
  add(canary: Histogram, control?: Histogram): void {
    if (!(totalOf(canary) > 0)) return;
    if (this.relative) {
      if (!control || !(totalOf(control) > 0)) return;
      this.control = addHistograms(this.control, control);
    }
    this.intervals++;
    this.canary = addHistograms(this.canary, canary);
    this.canaryIntervals.push(canary);
    this.cache.clear();
  }

  /** The canary's and the control's pooled quantiles. */
  levels(): { canary?: number; control?: number } {
    return { canary: this.canary && quantileOf(this.canary, this.q), control: this.control && quantileOf(this.control, this.q) };
  }

  estimate(): number | undefined {
    const { canary, control } = this.levels();
    if (canary === undefined) return undefined;
    if (!this.relative) return canary;
    return control !== undefined && control > 0 ? canary / control : undefined;
  }

  private readonly cache = new Map<string, ProportionSequence | undefined>();

  /**
   * The share of the canary's requests slower than the latency `value` stands for (value itself, or value times the
   * control's quantile), interval by interval: a proportion sequence whose bound is 1 - q. `surely`: only the
   * buckets wholly above the threshold count as slower; otherwise the bucket holding it counts too.
   */
  private slower(value: number, surely: boolean): ProportionSequence | undefined {
    const key = this.relative ? String(value) : `${value} ${surely}`; // relative: one count, interpolated
    if (this.cache.has(key)) return this.cache.get(key);
    let seq: ProportionSequence | undefined;
    const base = this.relative ? this.levels().control : 1;
    if (this.intervals > 0 && base !== undefined && base > 0 && value > 0) {
      const t = value * base;
      const slower: number[] = [];
      const totals: number[] = [];
      for (const h of this.canaryIntervals) {
        const n = totalOf(h);
        const [atMost, mayBe] = this.relative ? [countAtMost(h, t), countAtMost(h, t)] : countAtMostRange(h, t);
        slower.push(Math.max(0, n - (surely ? mayBe : atMost)));
        totals.push(n);
      }
      seq = new ProportionSequence(this.tuning);
      seq.addAll(slower, totals);
    }
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(key, seq);
    return seq;
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    if (this.slower(value, true)?.side(1 - this.q, alpha) === 'above') return 'above';
    if (this.slower(value, false)?.side(1 - this.q, alpha) === 'below') return 'below';
    return 'spans';
  }

  interval(alpha: number): [number, number] {
    const est = this.estimate();
    if (est === undefined) return [0, Infinity];
    const [lo, hi] = invertScore((x) => {
      const side = this.side(Math.exp(x), alpha);
      return { above: side === 'above' ? 1 : 0, below: side === 'below' ? -1 : 0, information: 1 };
    }, 1, Math.log(est) - 5, Math.log(est) + 5);
    return [Math.exp(lo), Math.exp(hi)];
  }

  score(value: number): HorizonScore | undefined {
    const surely = this.slower(value, true)?.score(1 - this.q);
    const maybe = this.slower(value, false)?.score(1 - this.q);
    if (!surely || !maybe) return undefined;
    return { above: surely.above, below: maybe.below, information: surely.information };
  }

  horizonInterval(c: number): [number, number] {
    const est = this.estimate();
    if (est === undefined || !Number.isFinite(c)) return [0, Infinity];
    const [lo, hi] = invertScore((x) => this.score(Math.exp(x)), c, Math.log(est) - 5, Math.log(est) + 5);
    return [Math.exp(lo), Math.exp(hi)];
  }

  /** The dispersion of the slower-than counts at the quantile itself (1: as noisy as binomial counts). */
  get dispersion(): number | undefined {
    return this.slower(this.relative ? 1 : (this.levels().canary ?? 1), false)?.dispersion;
  }
}
