import { INV_SQRT_2PI, millsRatio, normalPdf, normalUpperQuantile } from './normal.js';

/** Grid points for the density of the score between looks (odd, for Simpson's rule; 61 agrees with 241 to 1e-4 in z). */
const GRID = 61;
/** The grid reaches this many standard deviations below zero; mass below it cannot come back in time. */
const LOW = 6.5;
/**
 * A look whose new information is below this share of what was there is not a look: its share of the
 * false-alarm rate is carried to the next look (looking less often only lowers the crossing probability).
 */
const MIN_INCREMENT = 0.03;
/**
 * The search for a boundary stops when its crossing probability is within this share of the alpha to spend:
 * about 1e-9 in z, far below the grid's own error (~1e-4 in z), and one more Halley step costs little.
 */
const TOLERANCE = 1e-9;
/** Gaussian terms below this are dropped: see gaussians(). */
const TINY = 1e-20;

/**
 * The share of the false-alarm rate that may be spent by calendar fraction t of the horizon: t^SPEND_POWER.
 * Tuned on bench seed 1 (bench/analysis-spending.bench.ts): 1 and 0.75 (Pocock-like, spending more early) did
 * not shorten the median intervals to fail (7 for all) and lowered detection on low-traffic and x2 canaries
 * while raising the worst acceptable false-fail to 1.0%, so 1.5 stays.
 */
export const SPEND_POWER = 1.5;

/**
 * A one-sided group-sequential boundary for a score process S observed at up to `horizon` looks: under the
 * null's edge S is a martingale with Gaussian increments of variance equal to the information they carry
 * (asymptotically, for a likelihood score). At look k the boundary c_k (on the z scale, Z = S/sqrt(I)) is set
 * so that the probability of crossing at look k, and not before, is alpha·(k/N)^1.5 minus what was spent
 * before (the alpha-spending approach of Lan & DeMets 1983, spent by calendar time k/N as they allow, so the
 * final information need not be known), computed exactly for the information actually seen at looks 1..k by
 * recursive numerical integration (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19).
 * However the information arrives, the probability of ever crossing within the horizon is at most alpha,
 * and by symmetry the same boundary, mirrored, serves the opposite one-sided test. Looks past the horizon
 * spend nothing. Stopping for the other side (a pass) is not counted on: that only lowers the crossing rate.
 */
export class SpendingBoundary {
  private looks = 0;
  private spent = 0;
  private information = 0;
  /**
   * The grid of S values still below the boundary, s0 + i·ds for i < n, and their density times the Simpson
   * weights in h (n = 0 before the first look). `spare` receives the next look's weights; `row` and `table`
   * are scratch for gaussians().
   */
  private n = 0;
  private s0 = 0;
  private ds = 0;
  private h = new Float64Array(GRID);
  private spare = new Float64Array(GRID);
  private row = new Float64Array(GRID);
  private table = new Float64Array(GRID);
  private threshold = Infinity;

  /**
   * `after`: the boundary takes over from another at a later look (count-boundary.ts hands over once a count is
   * large): the looks already taken and the alpha they spent. Its first look then spends what is left by then on
   * the score's marginal law (so what both spend adds up to at most alpha, by the union bound).
   */
  constructor(readonly horizon: number, readonly alpha: number, readonly power: number = SPEND_POWER, after?: { looks: number; spent: number }) {
    this.looks = after?.looks ?? 0;
    this.spent = after?.spent ?? 0;
  }

  /** The current boundary on the z scale (Infinity when this look spends nothing). */
  get z(): number {
    return this.threshold;
  }

  /** Advances by one look with the total information now seen (never decreasing); returns the z boundary. */
  look(information: number): number {
    this.looks++;
    const target = this.looks > this.horizon ? this.spent : this.alpha * (Math.min(this.looks, this.horizon) / this.horizon) ** this.power;
    const delta = information - this.information;
    const enough = this.information === 0 ? information > 0 : delta >= MIN_INCREMENT * this.information;
    const spend = target - this.spent;
    if (!enough || !(spend > 1e-15)) {
      this.threshold = Infinity;
      return this.threshold;
    }
    const b = this.information === 0 ? this.first(information, spend) : this.next(information, delta, spend);
    this.information = information;
    this.spent = target;
    this.threshold = b / Math.sqrt(information);
    return this.threshold;
  }

  /** First look: S ~ N(0, I). */
  private first(information: number, spend: number): number {
    const sd = Math.sqrt(information);
    const b = normalUpperQuantile(spend) * sd;
    this.fill(-LOW * sd, b, (x) => normalPdf(x / sd) / sd);
    return b;
  }

  /**
   * Later looks: S_k = S_{k-1} + N(0, delta), from the density of S_{k-1} below the previous boundary. On the
   * grid, (b - s_i)/sd and (x - s_i)/sd fall by d = ds/sd from one point to the next, so every sum over the grid
   * of a Gaussian in them is one gaussians() call: two exps, not one per point.
   */
  private next(information: number, delta: number, spend: number): number {
    const sd = Math.sqrt(delta);
    const { n, s0, h, row, table } = this;
    const d = this.ds / sd;
    gaussianTable(d, table);
    // The probability of crossing b now, p = Σ h_i·P(Z > z_i) with z_i = (b - s_i)/sd, and its first two
    // derivatives, solved for `spend` by Halley steps on log p, kept in a bracket: from the previous boundary on
    // the z scale, about three evaluations (at most four in 68,000 random looks), where Newton steps on log p
    // took about four to stop at 1e-6.
    // P(Z > z_i) = φ(z_i)·millsRatio(z_i) needs no exp beyond the two in gaussians().
    const last = s0 + (n - 1) * this.ds;
    let lo = -LOW * Math.sqrt(information);
    let hi = last + 12 * sd;
    let b = last * Math.sqrt(information / this.information);
    for (let k = 0; k < 60; k++) {
      const a = (b - s0) / sd;
      row.fill(0);
      const slope = (INV_SQRT_2PI * gaussians(a, -d, h, n, table, row)) / sd; // -dp/db
      let p = 0;
      let curve = 0; // d²p/db² times sd²
      for (let i = 0; i < n; i++) {
        const z = a - i * d;
        if (row[i] === 0) {
          if (z < 0) p += h[i]; // (a term dropped by gaussians(): P(Z > z) is 1 or 0 to within 1e-20)
          continue;
        }
        const pdf = INV_SQRT_2PI * row[i];
        p += h[i] * (z >= 0 ? pdf * millsRatio(z) : 1 - pdf * millsRatio(-z));
        curve += h[i] * z * pdf;
      }
      if (p > spend) lo = b;
      else hi = b;
      if (Math.abs(p - spend) <= TOLERANCE * spend || hi - lo < 1e-9 * sd) break;
      // f = log(p/spend): f' = -slope/p, f'' = p''/p - f'^2; Halley's step is -2·f·f'/(2·f'^2 - f·f'').
      const f = Math.log(p / spend);
      const f1 = -slope / p;
      const f2 = curve / (sd * sd * p) - f1 * f1;
      const nextB = p > 0 && slope > 0 ? b - (2 * f * f1) / (2 * f1 * f1 - f * f2) : NaN;
      b = nextB > lo && nextB < hi ? nextB : (lo + hi) / 2; // (false for NaN)
    }
    // The density of S_k below b: g(x) = Σ h_i φ((x - s_i)/sd)/sd.
    this.fill(-LOW * Math.sqrt(information), b, (x) => (INV_SQRT_2PI * gaussians((x - s0) / sd, -d, h, n, table, row)) / sd);
    return b;
  }

  /** Puts the density `g` on a Simpson grid over [from, to] (empty if to <= from). */
  private fill(from: number, to: number, g: (x: number) => number): void {
    const h = this.spare;
    const n = to > from ? GRID : 0;
    const step = (to - from) / (GRID - 1);
    for (let i = 0; i < n; i++) {
      const w = i === 0 || i === GRID - 1 ? 1 : i % 2 ? 4 : 2;
      h[i] = ((w * step) / 3) * g(from + i * step);
    }
    this.spare = this.h;
    this.h = h;
    this.n = n;
    this.s0 = from;
    this.ds = step;
  }
}

/**
 * table[t] = exp(-(t·d)²/2), by the ratios table[t+1]/table[t] = exp(-d²/2)·exp(-d²)^t (exact but for rounding:
 * relative error < 61²·2^-52 ≈ 1e-12), ending in zeros once below 1e-300 (no slow subnormals).
 */
function gaussianTable(d: number, table: Float64Array): void {
  const q = Math.exp(-(d ** 2));
  let r = Math.exp(-0.5 * d ** 2);
  let v = 1;
  for (let t = 0; t < table.length; t++, v *= r, r *= q) table[t] = v > 1e-300 ? v : 0;
}

/**
 * Σ_j w_j·exp(-(a + j·d)²/2) over j < n, also writing each exp to out[j] (out is left alone where a term is
 * dropped). With k the j nearest the peak and u = a + k·d, exp(-(u ± t·d)²/2) = exp(-u²/2)·exp(-u·d)^(±t)·table[t]
 * (table from gaussianTable(|d|)): two exps per call instead of n, exact but for rounding (relative error
 * < 1e-12). Walking from k outward the terms only fall (|u| <= |d|/2, or the peak is off the grid and the walk
 * goes away from it), so once one is below TINY = 1e-20 (|a + j·d| > 9.6) it and the rest of that side are
 * dropped: a sum loses less than 61·1e-20 of its weights' total, which moves the density's mass by < 1e-16
 * (and keeps the walk away from slow subnormal numbers).
 */
function gaussians(a: number, d: number, w: Float64Array, n: number, table: Float64Array, out: Float64Array): number {
  if (n === 0) return 0;
  const k = Math.min(n - 1, Math.max(0, Math.round(-a / d)));
  const u = a + k * d;
  const top = Math.exp(-0.5 * u ** 2);
  const rho = Math.exp(-u * d);
  out[k] = top;
  let sum = w[k] * top;
  for (let j = k + 1, p = top * rho; j < n; j++, p *= rho) {
    const v = p * table[j - k];
    if (!(v > TINY)) break;
    out[j] = v;
    sum += w[j] * v;
  }
  const inv = 1 / rho;
  for (let j = k - 1, p = top * inv; j >= 0; j--, p *= inv) {
    const v = p * table[k - j];
    if (!(v > TINY)) break;
    out[j] = v;
    sum += w[j] * v;
  }
  return sum;
}
