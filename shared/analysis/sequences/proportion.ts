import { DEFAULT_TUNING, type ConfidenceSequence, type SequenceTuning } from './sequence.js';
import { dispersion } from './math.js';
import { GroupedPearson } from './count-dispersion.js';
import { HalfNormalCache, mixtureReaches, oneSidedBounds } from './one-sided.js';
import { OneSidedSearch } from './one-sided-search.js';
import type { BinomialCell } from './count-boundary.js';
import { exactTailRoot, invertScore, signedRoot, type HorizonScore } from './horizon.js';

const LOGIT_MIN = -14;
const LOGIT_MAX = 8;
const STEP = 0.05;
const GRID = Float64Array.from({ length: Math.round((LOGIT_MAX - LOGIT_MIN) / STEP) + 1 }, (_, j) => LOGIT_MIN + j * STEP);
const LOG_P = GRID.map((t) => -Math.log1p(Math.exp(-t)));
const LOG_Q = GRID.map((t) => -Math.log1p(Math.exp(t)));

const logit = (p: number) => Math.log(p / (1 - p));

/** The mixtures' weights depend on the grid, the spread and the bound only: shared by every sequence (a histogram's are rebuilt each interval). */
const WEIGHTS = new Map<number, HalfNormalCache>();
function weightsFor(spread: number): HalfNormalCache {
  let cache = WEIGHTS.get(spread);
  if (!cache) WEIGHTS.set(spread, (cache = new HalfNormalCache(GRID, spread)));
  return cache;
}

/**
 * Confidence sequence for the canary's own proportion p (its error rate), judged against absolute bounds.
 *
 * Why this method: the Bernoulli likelihood ratio L(p1)/L(p0) is a nonnegative supermartingale under every
 * p <= p0 when p1 > p0 (monotone likelihood ratio), so a mixture over p1 above the bound is an e-process for
 * "p <= bound" and P(it ever reaches 1/alpha) <= alpha (Ville's inequality; Robbins' mixtures); the mirror
 * mixture tests "p >= bound". It is exact for any number of requests, zero errors included: the counts are
 * sufficient, so the mixture is computed on demand on a grid of log-odds. Extra noise between intervals is
 * absorbed by dividing the counts by a dispersion estimated from Pearson residuals of groups of intervals that
 * expect enough events to show it (count-dispersion.ts), shrunk toward 1.
 */
export class ProportionSequence implements ConfidenceSequence {
  intervals = 0;
  events = 0;
  total = 0;
  private readonly residuals = new GroupedPearson<[number, number]>(([x, n]) => {
    const p = this.events / this.total;
    return p > 0 && p < 1 ? { deviation: x - n * p, variance: n * p * (1 - p), events: n * p, nonEvents: n * (1 - p) } : undefined;
  });
  /** Each interval's requests (the trials of its count). */
  private readonly trials: number[] = [];
  private phi = 1;
  /** The log-likelihood at every grid point, the dispersion applied (what the mixtures read), and the counts it is for. */
  private readonly llScaled = new Float64Array(GRID.length);
  private llScaledFor = { x: 0, y: 0 };

  constructor(private readonly tuning: SequenceTuning = DEFAULT_TUNING) {}

  add(x: number, n: number): void {
    if (!(n > 0)) return;
    this.intervals++;
    this.events += x;
    this.total += n;
    this.trials.push(n);
    this.residuals.add([x, n]);
    this.phi = dispersion(this.residuals.total, this.residuals.groups, this.tuning.dispersionPrior);
  }

  /** Adds many intervals at once (`x[i]` events of `n[i]`): the same state as adding them one by one, in one pass. */
  addAll(x: number[], n: number[]): void {
    const kept: [number, number][] = [];
    for (let i = 0; i < x.length; i++) {
      if (!(n[i] > 0)) continue;
      this.intervals++;
      this.events += x[i];
      this.total += n[i];
      this.trials.push(n[i]);
      kept.push([x[i], n[i]]);
    }
    this.residuals.addAll(kept);
    this.phi = dispersion(this.residuals.total, this.residuals.groups, this.tuning.dispersionPrior);
  }

  get dispersion(): number {
    return this.phi;
  }

  estimate(): number | undefined {
    return this.total > 0 ? this.events / this.total : undefined;
  }

  /** The log-likelihood at every grid point, the dispersion applied: worked out once per interval. */
  private scaledLl(): Float64Array {
    const x = this.events / this.phi;
    const y = (this.total - this.events) / this.phi;
    if (x !== this.llScaledFor.x || y !== this.llScaledFor.y) {
      for (let j = 0; j < GRID.length; j++) this.llScaled[j] = x * LOG_P[j] + y * LOG_Q[j];
      this.llScaledFor = { x, y };
    }
    return this.llScaled;
  }

  /** The log-likelihood at log-odds theta0, the dispersion applied. */
  private scaledLlAt(theta0: number): number {
    const x = this.events / this.phi;
    const y = (this.total - this.events) / this.phi;
    return -x * Math.log1p(Math.exp(-theta0)) - y * Math.log1p(Math.exp(theta0));
  }

  /**
   * Whether the one-sided test "p <= bound" ('above') or "p >= bound" ('below') at log-odds theta0 rejects at
   * `level` (a bound asked about at every interval: its weights are kept).
   */
  private rejects(theta0: number, side: 'above' | 'below', level: number): boolean {
    return mixtureReaches(weightsFor(this.tuning.proportionSpread).get(theta0, side), this.scaledLl(), this.scaledLlAt(theta0), level);
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    if (this.estimate() === undefined) return 'spans';
    if (value <= 0) return this.interval(alpha)[0] > 0 ? 'above' : 'spans';
    if (value >= 1) return 'below';
    const level = Math.log(1 / alpha);
    const t = logit(value);
    if (this.rejects(t, 'above', level)) return 'above';
    if (this.rejects(t, 'below', level)) return 'below';
    return 'spans';
  }

  interval(alpha: number): [number, number] {
    const est = this.estimate();
    if (est === undefined) return [0, 1];
    const center = logit(Math.min(Math.max(est, 1e-6), 1 - 1e-6));
    const level = Math.log(1 / alpha);
    const search = new OneSidedSearch(GRID, this.tuning.proportionSpread, this.scaledLl());
    const [lo, hi] = oneSidedBounds((t, side) => search.reaches(t, side, this.scaledLlAt(t), level), center, LOGIT_MIN, LOGIT_MAX);
    const p = (t: number) => 1 / (1 + Math.exp(-t));
    return [lo <= LOGIT_MIN ? 0 : p(lo), hi >= LOGIT_MAX ? 1 : p(hi)];
  }

  /**
   * For a known horizon: the normal deviates of the exact binomial tails at `value` (dispersion-adjusted), from
   * the signed roots of the likelihood ratio at the event count moved half an event toward the null for each
   * side (exactTailRoot). The information is about the log-odds: total·p·(1 - p).
   */
  score(value: number): HorizonScore | undefined {
    if (this.estimate() === undefined || !(value > 0 && value < 1)) return undefined;
    const n = this.total;
    const side = (x: number): number => {
      x = Math.min(n, Math.max(0, x));
      const p = x / n;
      const term = (k: number, a: number, b: number) => (k > 0 ? k * Math.log(a / b) : 0);
      const gain = term(x, p, value) + term(n - x, 1 - p, 1 - value);
      return exactTailRoot(signedRoot(p - value, gain / this.phi), logit(p) - logit(value), (n * p * (1 - p)) / this.phi);
    };
    return { above: side(this.events - 0.5), below: side(this.events + 0.5), information: n * value * (1 - value) };
  }

  /** Each interval's count at proportion `value`: Binomial(requests, value). */
  countCells(value: number, from: number): BinomialCell[] {
    return this.trials.slice(from).map((trials) => ({ trials, p: value }));
  }

  /** The proportions a group-sequential test at z boundary `c` does not reject. */
  horizonInterval(c: number): [number, number] {
    if (this.estimate() === undefined) return [0, 1];
    const p = (t: number) => 1 / (1 + Math.exp(-t));
    const [lo, hi] = invertScore((t) => this.score(p(t)), c, LOGIT_MIN, LOGIT_MAX);
    return [lo <= LOGIT_MIN ? 0 : p(lo), hi >= LOGIT_MAX ? 1 : p(hi)];
  }
}
