/** Seeded randomness for the analysis specs, so every run sees the same canaries. */

/** Uniforms in (0, 1) from a 32-bit LCG (Numerical Recipes' constants), never exactly 0 or 1. */
export function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
}

/** A standard normal by Box-Muller from two uniforms. */
export function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** A Poisson count with mean `lambda` (Knuth's product of uniforms; fine for the small means used here). */
export function poisson(u: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= u();
  } while (p > l);
  return k - 1;
}
