import { logGamma } from './math.js';
import { normalUpperQuantile } from './normal.js';
import { SPEND_POWER } from './spending.js';

/** One interval's count under the null's edge: Binomial(trials, p). */
export interface BinomialCell {
  trials: number;
  p: number;
}

/** Probabilities below this are dropped from the ends of a distribution (the total dropped stays far below any alpha). */
const NEGLIGIBLE = 1e-18;

/**
 * A one-sided group-sequential boundary for a count that grows by independent binomial counts (the canary's bad
 * events given each interval's total, for a rate ratio; its bad events out of its requests, for a proportion),
 * worked out on the counts themselves instead of on a Gaussian score.
 *
 * Why: with a handful of events the Gaussian boundary (spending.ts) plans to spend alpha at every look, but a
 * count can only cross at whole events, so most looks spend a fraction of their share, and what they do not
 * spend is lost (the Gaussian recursion does not know it was not spent). Here the null distribution of the count
 * is carried exactly from look to look (a convolution with each interval's binomial), the mass that crossed is
 * removed, and the boundary at look k (of the horizon's N; later looks spend nothing) is the lowest count whose
 * probability of being reached now, and no boundary before, is within what may be spent by then: alpha·(k/N)^SPEND_POWER minus what earlier looks spent.
 * Whatever discreteness leaves unspent carries to later looks, and the last look may spend all that is left. The
 * probability of ever crossing within the horizon is then at most alpha, exactly, for the binomial counts at the
 * null's edge given the trials seen (conditioning on trials that do not depend on the counts, as the rate ratio's
 * event totals and a canary's requests do not); a truth on the good side of the edge crosses less often
 * (binomial counts are stochastically increasing in p).
 *
 * The boundary is returned on the z scale the sequences' scores use (the normal deviate of the exact tail of the
 * count seen, horizon.ts): between the deviates of the marginal tails P(X >= c) and P(X >= c - 1), so that a score
 * reaches it exactly when the count reaches c (the scores are within a few percent of the exact tail, and the
 * two tails differ by far more unless the count's spread is in the hundreds). A dispersion above 1 shrinks the
 * scores, never the boundary: as with the Gaussian boundary, extra noise makes the test slower, not looser.
 *
 * `side`: 'above' tests "p <= edge" (crossing upward); 'below' tests "p >= edge", as 'above' on the complement
 * counts (trials minus events).
 */
export class CountBoundary {
  /** The looks taken, and the probability that a boundary was crossed at one of them. */
  looks = 0;
  spent = 0;
  /** The variance of the count under the null's edge. */
  private variance = 0;
  /** P(X = low + i and no boundary crossed so far), and P(X = low + i) (the marginal, for the z scale). */
  private live: Float64Array = Float64Array.of(1);
  private marginal: Float64Array = Float64Array.of(1);
  private low = 0;
  private trials = 0;
  private crossing = Infinity;

  constructor(readonly horizon: number, readonly alpha: number, readonly side: 'above' | 'below', readonly power: number = SPEND_POWER) {}

  /** The standard deviation of the count under the null's edge, in events, with `cells` added. */
  spreadWith(cells: readonly BinomialCell[]): number {
    return Math.sqrt(cells.reduce((v, { trials, p }) => v + Math.max(0, trials) * p * (1 - p), this.variance));
  }

  /**
   * The count that crosses at the latest look, in events: the lowest that does for 'above' (X >= count), the
   * highest for 'below' (X <= count); +Infinity (or -Infinity) when none can.
   */
  get count(): number {
    return this.side === 'above' ? this.crossing : this.trials - this.crossing;
  }

  /** Advances by one look with the intervals counted since the last one; returns the z boundary. */
  look(cells: readonly BinomialCell[]): number {
    this.looks++;
    for (const { trials, p } of cells) {
      if (!(trials > 0)) continue;
      this.trials += trials;
      this.variance += trials * p * (1 - p);
      const step = binomialPmf(trials, this.side === 'above' ? p : 1 - p);
      this.live = convolve(this.live, step.pmf);
      this.marginal = convolve(this.marginal, step.pmf);
      this.low += step.low;
      this.trimEnds();
    }
    if (this.looks > this.horizon) return this.none();
    const budget = this.alpha * (this.looks / this.horizon) ** this.power - this.spent;
    // The lowest count c whose live mass at and above it fits the budget.
    let c = this.live.length;
    let mass = 0;
    while (c > 0 && mass + this.live[c - 1] <= budget) mass += this.live[--c];
    if (c === this.live.length || mass === 0) return this.none();
    this.crossing = this.low + c;
    this.spent += mass;
    this.live = this.live.slice(0, c);
    let tail = 0;
    for (let i = c; i < this.marginal.length; i++) tail += this.marginal[i];
    const before = c > 0 ? tail + this.marginal[c - 1] : 1;
    return normalUpperQuantile(Math.sqrt(tail * before));
  }

  /** A look where no count crosses (past the horizon, or none within what may be spent). */
  private none(): number {
    this.crossing = Infinity;
    return Infinity;
  }

  /**
   * Drops the negligible mass at both ends: at the bottom it could not reach a boundary in time, at the top it moves
   * a tail by less than NEGLIGIBLE (the arrays would otherwise grow by every interval's whole support).
   */
  private trimEnds(): void {
    const m = this.marginal;
    let bottom = 0;
    for (let dropped = 0; bottom < m.length - 1 && dropped + m[bottom] < NEGLIGIBLE; ) dropped += m[bottom++];
    let top = m.length;
    for (let dropped = 0; top > bottom + 1 && dropped + m[top - 1] < NEGLIGIBLE; ) dropped += m[--top];
    if (bottom === 0 && top === m.length) return;
    this.marginal = m.slice(bottom, top);
    this.live = this.live.slice(Math.min(bottom, this.live.length), top);
    this.low += bottom;
  }
}

/** The probabilities of Binomial(n, p) from `low` on, without the negligible ends (below 1e-18 each). */
export function binomialPmf(n: number, p: number): { low: number; pmf: Float64Array } {
  if (p <= 0) return { low: 0, pmf: Float64Array.of(1) };
  if (p >= 1) return { low: n, pmf: Float64Array.of(1) };
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const odds = p / (1 - p);
  const top = Math.exp(logGamma(n + 1) - logGamma(mode + 1) - logGamma(n - mode + 1) + mode * Math.log(p) + (n - mode) * Math.log1p(-p));
  const up: number[] = [];
  for (let x = mode, v = top; x < n; x++) {
    v *= ((n - x) / (x + 1)) * odds;
    if (!(v > NEGLIGIBLE)) break;
    up.push(v);
  }
  const down: number[] = [];
  for (let x = mode, v = top; x > 0; x--) {
    v *= (x / (n - x + 1)) / odds;
    if (!(v > NEGLIGIBLE)) break;
    down.push(v);
  }
  const pmf = Float64Array.from([...down.reverse(), top, ...up]);
  return { low: mode - down.length, pmf };
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length === 0) return a;
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j] += ai * b[j];
  }
  return out;
}
