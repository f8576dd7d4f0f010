import { halfNormal, mixtureLogE } from './one-sided.js';

/**
 * The one-sided mixture tests of one state (one log-likelihood on the grid) at the many bounds theta0 that the
 * bisection for a shown interval tries. Each bound needs fresh half-normal weights, so its exact e-value costs
 * two exps per grid point, and a bisection tries 27 bounds per side: this was the largest cost of judging.
 *
 * Here a bound is first judged from sums that take no exp per grid point: on an evenly spaced grid the weights
 * exp(-d^2 / 2s^2) follow from their neighbours by two products (their ratios form a geometric sequence), and the
 * likelihood exp(ll - top) is the same at every bound, so it is worked out once. That e-value differs from the
 * exact one by rounding only (a few hundred products: ~1e-11 relative; and ~1e-15 of the log-likelihoods' size).
 * When it is further from the level than a tolerance far above that, the exact e-value is on the same side of
 * the level; otherwise (a bound within a hair of the interval's end, or sums too small to trust) the exact
 * e-value decides. So every answer is the exact one.
 */
export class OneSidedSearch {
  /** exp(ll - top) at every grid point. */
  private readonly likelihood: Float64Array;
  private readonly top: number;
  private readonly step: number;

  /** `grid`: evenly spaced and ascending; `ll`: the log-likelihood at each grid point (as the mixtures read it). */
  constructor(private readonly grid: Float64Array, private readonly spread: number, private readonly ll: Float64Array) {
    let top = -Infinity;
    for (let j = 0; j < ll.length; j++) if (ll[j] > top) top = ll[j];
    this.top = top;
    this.likelihood = ll.map((x) => Math.exp(x - top));
    this.step = (grid[grid.length - 1] - grid[0]) / (grid.length - 1);
  }

  /**
   * Whether the test at theta0 on `side` reaches `level`, i.e. mixtureLogE(halfNormal(grid, theta0, spread,
   * side), ll, ll0) >= level; `ll0` is the log-likelihood at theta0.
   */
  reaches(theta0: number, side: 'above' | 'below', ll0: number, level: number): boolean {
    const approx = this.approxLogE(theta0, side, ll0);
    const tolerance = TOLERANCE + SIZE_TOLERANCE * (Math.abs(this.top) + Math.abs(ll0));
    if (approx - tolerance >= level) return true;
    if (approx + tolerance < level) return false;
    return mixtureLogE(halfNormal(this.grid, theta0, this.spread, side), this.ll, ll0) >= level;
  }

  /** The e-value from the weights' recurrence, or NaN when the sums are too small to trust (or no point is on the side). */
  private approxLogE(theta0: number, side: 'above' | 'below', ll0: number): number {
    const { grid, likelihood, step } = this;
    const n = grid.length;
    // The side's grid point nearest theta0 (the side's points as halfNormal picks them), and the way out from it.
    let j = Math.min(n - 1, Math.max(0, Math.floor((theta0 - grid[0]) / step)));
    if (side === 'above') {
      while (j > 0 && grid[j - 1] > theta0) j--;
      while (j < n && grid[j] <= theta0) j++;
    } else {
      while (j < n - 1 && grid[j + 1] < theta0) j++;
      while (j >= 0 && grid[j] >= theta0) j--;
    }
    if (j < 0 || j >= n) return NaN;
    const out = side === 'above' ? 1 : -1;
    const s2 = this.spread * this.spread;
    const d = out * (grid[j] - theta0);
    // weight_j = exp(-d^2 / 2s^2); the next one out is weight_j * ratio; each ratio is the previous one times shrink.
    let weight = Math.exp((-0.5 * d * d) / s2);
    let ratio = Math.exp(-(d * step + 0.5 * step * step) / s2);
    const shrink = Math.exp(-(step * step) / s2);
    let weights = 0;
    let mixture = 0;
    for (; j >= 0 && j < n; j += out) {
      weights += weight;
      mixture += weight * likelihood[j];
      weight *= ratio;
      ratio *= shrink;
    }
    // Terms lost to underflow are below 1e-300 each: negligible only against a sum well above that.
    if (!(mixture >= 1e-200)) return NaN;
    return Math.log(mixture) - Math.log(weights) + (this.top - ll0);
  }
}

/**
 * How far from the level the recurrence's e-value must be to settle a bound: 100 times its rounding error from
 * the products, plus 1000 times that from the size of the log-likelihoods. A bisection's bounds approach the
 * interval's end to ~1e-7 of the grid's span, where the e-value is still ~1e-6 from the level, so nearly every
 * step settles without the exact e-value.
 */
const TOLERANCE = 1e-8;
const SIZE_TOLERANCE = 1e-12;
