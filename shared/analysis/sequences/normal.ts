/** The standard normal distribution: density, upper tail and upper quantile (no dependency is worth it). */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** erfc(x) for x >= 0 (W. J. Cody's rational approximations via Numerical Recipes' erfcc: relative error < 1.2e-7). */
function erfcPositive(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -x * x - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(poly);
}

/** P(Z > z) for a standard normal Z. */
export function normalUpper(z: number): number {
  if (z === Infinity) return 0;
  if (z === -Infinity) return 1;
  const e = erfcPositive(Math.abs(z) / Math.SQRT2) / 2;
  return z >= 0 ? e : 1 - e;
}

/** The z with P(Z > z) = p, for 0 < p < 1 (Newton steps from a rough start; ample for boundaries). */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0)) return Infinity;
  if (!(p < 1)) return -Infinity;
  if (p > 0.5) return -normalUpperQuantile(1 - p);
  // Start from the tail approximation, then Newton on log P(Z > z) (well-conditioned far in the tail).
  const t = Math.sqrt(-2 * Math.log(p));
  let z = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  for (let i = 0; i < 4; i++) {
    const q = normalUpper(z);
    z += (q - p) / normalPdf(z);
  }
  return z;
}
