/**
 * What the statistical specs need to be honest about luck: the number of simulated canaries a claim is checked
 * on, and the count that would refute it, both from the binomial distribution; and a seed that changes from run to
 * run (so no spec can be tuned to its seed) but can be repeated.
 *
 * A claim "the method fails at most a share p of such canaries" is checked by counting fails over n independent
 * runs: the spec fails when the count exceeds `mostFails(n, p, risk)`, which happens with probability at most
 * `risk` whenever the claim holds (the binomial upper tail, largest at a true share of exactly p). A claim "at
 * least p" is checked the same way from below with `fewestFails`.
 */
import { uniforms } from './random.js';

/** The chance a spec may fail by luck alone when what it checks holds. */
export const LUCK = 1e-3;

/**
 * The law of a count after adding Binomial(n, p) to one whose law is `dist` (P(X = x) at index x): one Bernoulli
 * trial at a time (slow, plain, exact but for rounding; a reference for the analysis' own binomial arithmetic).
 */
export function addTrials(dist: number[], n: number, p: number): number[] {
  for (let t = 0; t < n; t++) dist = [...dist, 0].map((q, x) => q * (1 - p) + (x > 0 ? dist[x - 1] * p : 0));
  return dist;
}

/** log P(X = k) for X ~ Binomial(n, p), 0 < p < 1, for every k from 0 to n (by the ratio of neighbours). */
function logPmf(n: number, p: number): Float64Array {
  const out = new Float64Array(n + 1);
  out[0] = n * Math.log1p(-p);
  const odds = Math.log(p) - Math.log1p(-p);
  for (let k = 0; k < n; k++) out[k + 1] = out[k] + Math.log(n - k) - Math.log(k + 1) + odds;
  return out;
}

/** P(X > c) for X ~ Binomial(n, p). */
export function upperTail(n: number, p: number, c: number): number {
  const l = logPmf(n, p);
  let sum = 0;
  for (let k = Math.max(0, Math.floor(c) + 1); k <= n; k++) sum += Math.exp(l[k]);
  return Math.min(1, sum);
}

/** P(X < c) for X ~ Binomial(n, p). */
export function lowerTail(n: number, p: number, c: number): number {
  const l = logPmf(n, p);
  let sum = 0;
  for (let k = 0; k < Math.min(n + 1, Math.ceil(c)); k++) sum += Math.exp(l[k]);
  return Math.min(1, sum);
}

/** The smallest c with P(X > c) <= risk, X ~ Binomial(n, p): more fails than c refute "at most p". */
export function mostFails(n: number, p: number, risk = LUCK): number {
  const l = logPmf(n, p);
  let tail = 0;
  for (let c = n; c >= 0; c--) {
    // tail = P(X > c) before adding P(X = c)
    if (tail + Math.exp(l[c]) > risk) return c;
    tail += Math.exp(l[c]);
  }
  return 0;
}

/** The largest c with P(X < c) <= risk, X ~ Binomial(n, p): fewer fails than c refute "at least p". */
export function fewestFails(n: number, p: number, risk = LUCK): number {
  const l = logPmf(n, p);
  let tail = 0;
  for (let c = 0; c <= n; c++) {
    // tail = P(X < c) before adding P(X = c)
    if (tail + Math.exp(l[c]) > risk) return c;
    tail += Math.exp(l[c]);
  }
  return n;
}

/**
 * The fewest runs (a multiple of 50) at which checking "at most p" with mostFails(n, p, risk) also catches, with
 * probability at least `power`, a method whose true share is `factor` times p: the check is then not a formality.
 */
export function runsToCatch(p: number, factor: number, risk = LUCK, power = 0.9): number {
  for (let n = 50; ; n += 50) if (upperTail(n, factor * p, mostFails(n, p, risk)) >= power) return n;
}

/**
 * The seed of this run: AI_DEPLOY_TEST_SEED when set (to repeat a run), else one from the clock. Printed, so a
 * failing run can be repeated exactly. `salt` gives each spec its own stream from the same seed.
 */
export const TEST_SEED = process.env.AI_DEPLOY_TEST_SEED ? Number(process.env.AI_DEPLOY_TEST_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;

let announced = false;
export function seeded(salt: string): () => number {
  if (!announced) {
    announced = true;
    console.log(`statistical specs: seed ${TEST_SEED} (repeat with AI_DEPLOY_TEST_SEED=${TEST_SEED})`);
  }
  let h = TEST_SEED;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 2654435761) >>> 0;
  return uniforms(h);
}
