/**
 * One-sided mixture test on a grid of a parameter theta: the log e-value against "theta <= theta0" (side
 * 'above': the alternatives are above theta0) or "theta >= theta0" (side 'below'), mixing the likelihood
 * ratios L(theta_j) / L(theta0) with half-normal weights of spread `spread` on the alternatives' side.
 * Each ratio is a nonnegative supermartingale under every theta of the null when the likelihood has a
 * monotone ratio in theta (binomial in log-odds or log rate ratio), so the mixture is an e-process for the
 * composite null and P(ever >= 1/alpha) <= alpha (Ville). Centering the weights at the bound and putting
 * them only on the side that matters is what makes it decide early.
 */
const weightCache = new Map<string, Float64Array>();

function weights(grid: Float64Array, theta0: number, spread: number, side: 'above' | 'below', cache: boolean): Float64Array {
  const key = cache ? `${grid.length}:${grid[0]}:${theta0}:${spread}:${side}` : '';
  const hit = cache ? weightCache.get(key) : undefined;
  if (hit) return hit;
  const w = new Float64Array(grid.length).fill(-Infinity);
  let max = -Infinity;
  for (let j = 0; j < grid.length; j++) {
    const d = grid[j] - theta0;
    if (side === 'above' ? d <= 0 : d >= 0) continue;
    w[j] = (-0.5 * d * d) / (spread * spread);
    if (w[j] > max) max = w[j];
  }
  let sum = 0;
  for (let j = 0; j < grid.length; j++) if (w[j] > -Infinity) sum += Math.exp(w[j] - max);
  const logNorm = max + Math.log(sum);
  for (let j = 0; j < grid.length; j++) w[j] -= logNorm;
  if (cache && weightCache.size < 1000) weightCache.set(key, w);
  return w;
}

/** `cacheWeights`: theta0 is a fixed bound asked about again and again (not a bisection probe). */
export function oneSidedLogE(
  grid: Float64Array,
  ll: (j: number) => number,
  ll0: number,
  theta0: number,
  spread: number,
  side: 'above' | 'below',
  cacheWeights = false,
): number {
  const w = weights(grid, theta0, spread, side, cacheWeights);
  let max = -Infinity;
  for (let j = 0; j < grid.length; j++) {
    if (w[j] === -Infinity) continue;
    const v = w[j] + ll(j);
    if (v > max) max = v;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = 0; j < grid.length; j++) if (w[j] !== -Infinity) sum += Math.exp(w[j] + ll(j) - max);
  return max + Math.log(sum) - ll0;
}

/**
 * The one-sided confidence bounds that the tests above define: the smallest theta0 not rejected by the
 * "above" test and the largest not rejected by the "below" test, by bisection on theta0.
 */
export function oneSidedBounds(
  logE: (theta0: number, side: 'above' | 'below') => number,
  estimate: number,
  lowest: number,
  highest: number,
  level: number,
): [number, number] {
  const solve = (side: 'above' | 'below', from: number, to: number): number => {
    // rejected at `from` (far side), not rejected at `to` (the estimate)
    if (logE(from, side) < level) return from;
    let [a, b] = [from, to];
    for (let i = 0; i < 40; i++) {
      const mid = (a + b) / 2;
      if (logE(mid, side) >= level) a = mid;
      else b = mid;
    }
    return (a + b) / 2;
  };
  return [solve('above', lowest, estimate), solve('below', highest, estimate)];
}
