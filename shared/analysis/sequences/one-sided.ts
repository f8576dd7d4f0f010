/**
 * One-sided mixture test on a grid of a parameter theta: the log e-value against "theta <= theta0" (side
 * 'above': the alternatives are above theta0) or "theta >= theta0" (side 'below'), mixing the likelihood
 * ratios L(theta_j) / L(theta0) with half-normal weights of spread `spread` on the alternatives' side.
 * Each ratio is a nonnegative supermartingale under every theta of the null when the likelihood has a
 * monotone ratio in theta (binomial in log-odds or log rate ratio), so the mixture is an e-process for the
 * composite null and P(ever >= 1/alpha) <= alpha (Ville). Centering the weights at the bound and putting
 * them only on the side that matters is what makes it decide early.
 */

/** Normalized log weights for grid points start..start+logW.length-1 (the alternatives' side only). */
export interface HalfNormal {
  start: number;
  logW: Float64Array;
}

export function halfNormal(grid: Float64Array, theta0: number, spread: number, side: 'above' | 'below'): HalfNormal {
  let start = 0;
  let end = grid.length;
  if (side === 'above') while (start < end && grid[start] <= theta0) start++;
  else while (end > start && grid[end - 1] >= theta0) end--;
  const logW = new Float64Array(end - start);
  let sum = 0;
  for (let j = start; j < end; j++) {
    const d = grid[j] - theta0;
    logW[j - start] = (-0.5 * d * d) / (spread * spread);
    sum += Math.exp(logW[j - start]);
  }
  const logNorm = Math.log(sum);
  for (let i = 0; i < logW.length; i++) logW[i] -= logNorm;
  return { start, logW };
}

let scratch = new Float64Array(512);

/** Fills `scratch` with the mixture's log terms log w_j + ll[j] over the weights' range; gives the largest. */
function logTerms(w: HalfNormal, ll: Float64Array): number {
  const n = w.logW.length;
  if (scratch.length < n) scratch = new Float64Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = w.logW[i] + ll[w.start + i];
    scratch[i] = v;
    if (v > max) max = v;
  }
  return max;
}

/** log of sum_j exp(scratch[j] - max) + max - ll0: the mixture from its log terms. */
function fromLogTerms(n: number, max: number, ll0: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(scratch[i] - max);
  return max + Math.log(sum) - ll0;
}

/** log of sum_j w_j exp(ll[j] - ll0) over the weights' range (`ll`: the log-likelihood at every grid point). */
export function mixtureLogE(w: HalfNormal, ll: Float64Array, ll0: number): number {
  const n = w.logW.length;
  if (n === 0) return -Infinity;
  return fromLogTerms(n, logTerms(w, ll), ll0);
}

/**
 * Whether mixtureLogE(w, ll, ll0) >= level, settled from the largest log term when that suffices (as it
 * does at every interval but those near a decision): the sum of exp(term - largest) is at least 1 (the largest
 * term's own) and at most n, so the result lies between largest - ll0 and that plus log n. Both ends are worked
 * out with the same roundings as the result, so the answer is the one the full sum would give, and the full
 * sum is only taken between them. (log n gets 1e-12 of room: Math.log may be off by an ulp.)
 */
export function mixtureReaches(w: HalfNormal, ll: Float64Array, ll0: number, level: number): boolean {
  const n = w.logW.length;
  if (n === 0) return false;
  const max = logTerms(w, ll);
  if (max - ll0 >= level) return true;
  if (max + (Math.log(n) + 1e-12) - ll0 < level) return false;
  return fromLogTerms(n, max, ll0) >= level;
}

/** Weights per bound, computed once for the fixed bounds a sequence is asked about at every interval. */
export class HalfNormalCache {
  private readonly above = new Map<number, HalfNormal>();
  private readonly below = new Map<number, HalfNormal>();

  constructor(private readonly grid: Float64Array, private readonly spread: number) {}

  get(theta0: number, side: 'above' | 'below'): HalfNormal {
    const map = side === 'above' ? this.above : this.below;
    const hit = map.get(theta0);
    if (hit) return hit;
    const w = halfNormal(this.grid, theta0, this.spread, side);
    if (map.size < 16) map.set(theta0, w);
    return w;
  }
}

/**
 * The one-sided confidence bounds that the tests above define: the smallest theta0 not rejected by the
 * "above" test and the largest not rejected by the "below" test, by bisection on theta0 (`rejects`: whether
 * the test at theta0 reaches the level; see OneSidedSearch).
 */
export function oneSidedBounds(
  rejects: (theta0: number, side: 'above' | 'below') => boolean,
  estimate: number,
  lowest: number,
  highest: number,
): [number, number] {
  const solve = (side: 'above' | 'below', from: number, to: number): number => {
    // rejected at `from` (far side), not rejected at `to` (the estimate)
    if (!rejects(from, side)) return from;
    let [a, b] = [from, to];
    // 26 halvings of the grid's span (8 on the log scale) reach 1.2e-7: far below the 3 digits shown.
    for (let i = 0; i < 26; i++) {
      const mid = (a + b) / 2;
      if (rejects(mid, side)) a = mid;
      else b = mid;
    }
    return (a + b) / 2;
  };
  return [solve('above', lowest, estimate), solve('below', highest, estimate)];
}
