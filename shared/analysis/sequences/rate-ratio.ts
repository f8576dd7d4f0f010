import { DEFAULT_TUNING, type ConfidenceSequence, type SequenceTuning } from './sequence.js';
import { dispersion } from './math.js';
import { GroupedPearson } from './count-dispersion.js';
import { HalfNormalCache, mixtureReaches, oneSidedBounds } from './one-sided.js';
import { OneSidedSearch } from './one-sided-search.js';
import type { BinomialCell } from './count-boundary.js';
import { exactTailRoot, invertScore, signedRoot, type HorizonScore } from './horizon.js';

const GRID_MIN = -4;
const GRID_MAX = 4;
const GRID_STEP = 0.05;

/**
 * Confidence sequence for r = canary rate / control rate of a ratio metric (errors / requests), from counts.
 *
 * Why this method: given the number of bad events k in an interval from both targets, the canary's share is
 * Binomial(k, r·a / (r·a + b)) where a and b are the two targets' requests (exact for Poisson counts, close
 * for rare events). This conditioning cancels every fluctuation that hits both targets alike (traffic swings,
 * a flaky dependency), and the product of these likelihoods mixed over a prior on r is a nonnegative
 * martingale under the null, so testing "r <= bound" (fail) and "r >= bound" (pass) with one-sided mixtures
 * is anytime-valid (Robbins' method of mixtures; Howard et al. 2021; the same construction as the sequential
 * tests on counts of Lindon et al., "Rapid regression detection in software deployments", 2022). The
 * log-likelihood is kept on a fixed grid of log r, so each interval costs one pass over 161 points. Noise that hits one target only
 * (overdispersion) is handled as in quasi-likelihood: log-likelihoods are divided by a dispersion estimated
 * from Pearson residuals of groups of intervals that expect enough events to show it (count-dispersion.ts),
 * shrunk toward 1 so that a few intervals cannot make the test overconfident.
 */
export class RateRatioSequence implements ConfidenceSequence {
  private readonly logR: Float64Array;
  private readonly ratio: Float64Array;
  private readonly ll: Float64Array;
  /** ll / dispersion (what the mixtures read), and the informative interval it is for. */
  private readonly llScaled: Float64Array;
  private llScaledFor = 0;
  private readonly probes: number[];
  private readonly probeLl: Float64Array;
  /** Fisher information about log r at each probe: the sum over intervals of k·pi·(1 - pi). */
  private readonly probeInfo: Float64Array;
  private readonly residuals = new GroupedPearson<[number, number, number, number]>(([xc, k, nc, ns]) => {
    const r = this.mle();
    const pi = (r * nc) / (r * nc + ns);
    return { deviation: xc - k * pi, variance: k * pi * (1 - pi), events: k * pi, nonEvents: k * (1 - pi) };
  });
  /** Each interval with bad events: [events from both sides, canary requests, control requests]. */
  private readonly cells: [number, number, number][] = [];
  private informative = 0;
  private cachedPhi = 1;
  intervals = 0;
  canaryEvents = 0;
  controlEvents = 0;
  canaryTotal = 0;
  controlTotal = 0;

  /** `probes`: ratios that decisions are taken against (the allowed bounds), evaluated exactly. */
  constructor(probes: number[] = [], private readonly tuning: SequenceTuning = DEFAULT_TUNING) {
    const n = Math.round((GRID_MAX - GRID_MIN) / GRID_STEP) + 1;
    this.logR = new Float64Array(n);
    this.ratio = new Float64Array(n);
    this.ll = new Float64Array(n);
    this.llScaled = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const lr = GRID_MIN + j * GRID_STEP;
      this.logR[j] = lr;
      this.ratio[j] = Math.exp(lr);
    }
    this.probes = probes.filter((p) => p > 0);
    this.probeLl = new Float64Array(this.probes.length);
    this.probeInfo = new Float64Array(this.probes.length);
  }

  /** Adds one interval: canary `xc` bad of `nc`, control `xs` bad of `ns`. */
  add(xc: number, nc: number, xs: number, ns: number): void {
    if (!(nc > 0 && ns > 0)) return;
    this.intervals++;
    this.canaryEvents += xc;
    this.controlEvents += xs;
    this.canaryTotal += nc;
    this.controlTotal += ns;
    const k = xc + xs;
    if (k === 0) return; // no bad events anywhere: says nothing about the ratio
    const { logR, ratio, ll } = this;
    for (let j = 0; j < logR.length; j++) ll[j] += xc * logR[j] - k * Math.log(ratio[j] * nc + ns);
    for (let i = 0; i < this.probes.length; i++) {
      const r = this.probes[i];
      const pi = (r * nc) / (r * nc + ns);
      this.probeLl[i] += xc * Math.log(r) - k * Math.log(r * nc + ns);
      this.probeInfo[i] += k * pi * (1 - pi);
    }
    this.informative++;
    this.cells.push([k, nc, ns]);
    this.mleCache = undefined;
    this.residuals.add([xc, k, nc, ns]);
    this.cachedPhi = dispersion(this.residuals.total, this.residuals.groups, this.tuning.dispersionPrior);
  }

  /** The variance inflation in use (1 = the counts are as noisy as binomial counts). */
  get dispersion(): number {
    return this.cachedPhi;
  }

  private argmax(): number {
    let best = 0;
    for (let j = 1; j < this.ll.length; j++) if (this.ll[j] > this.ll[best]) best = j;
    return best;
  }

  private mleCache: number | undefined;
  private weights: HalfNormalCache | undefined;

  /** Maximum-likelihood ratio (grid maximum refined by a parabola through its neighbours). */
  private mle(): number {
    this.mleCache ??= this.computeMle();
    return this.mleCache;
  }

  private computeMle(): number {
    const j = this.argmax();
    if (j === 0 || j === this.ll.length - 1) return Math.exp(this.logR[j]);
    const [a, b, c] = [this.ll[j - 1], this.ll[j], this.ll[j + 1]];
    const denom = a - 2 * b + c;
    const shift = denom < 0 ? (0.5 * (a - c)) / denom : 0;
    return Math.exp(this.logR[j] + shift * GRID_STEP);
  }

  estimate(): number | undefined {
    if (this.canaryEvents + this.controlEvents === 0) return undefined;
    return this.mle();
  }

  private llAt(ratio: number): number {
    const i = this.probes.indexOf(ratio);
    if (i >= 0) return this.probeLl[i];
    const x = (Math.log(ratio) - GRID_MIN) / GRID_STEP;
    const j = Math.min(this.ll.length - 2, Math.max(0, Math.floor(x)));
    const f = Math.min(1, Math.max(0, x - j));
    return this.ll[j] * (1 - f) + this.ll[j + 1] * f;
  }

  /** The log-likelihood at every grid point, the dispersion applied: worked out once per informative interval. */
  private scaledLl(): Float64Array {
    if (this.llScaledFor !== this.informative) {
      for (let j = 0; j < this.ll.length; j++) this.llScaled[j] = this.ll[j] / this.cachedPhi;
      this.llScaledFor = this.informative;
    }
    return this.llScaled;
  }

  /**
   * Whether the one-sided test "ratio <= value" ('above') or "ratio >= value" ('below') rejects at `level`
   * (a bound asked about at every interval: its weights are kept).
   */
  private rejects(value: number, side: 'above' | 'below', level: number): boolean {
    this.weights ??= new HalfNormalCache(this.logR, this.tuning.ratioSpread);
    return mixtureReaches(this.weights.get(Math.log(value), side), this.scaledLl(), this.llAt(value) / this.cachedPhi, level);
  }

  side(value: number, alpha: number): 'above' | 'below' | 'spans' {
    if (this.estimate() === undefined || !(value > 0)) return 'spans';
    const level = Math.log(1 / alpha);
    if (this.rejects(value, 'above', level)) return 'above';
    if (this.rejects(value, 'below', level)) return 'below';
    return 'spans';
  }

  interval(alpha: number): [number, number] {
    const est = this.estimate();
    if (est === undefined) return [0, Infinity];
    const level = Math.log(1 / alpha);
    const search = new OneSidedSearch(this.logR, this.tuning.ratioSpread, this.scaledLl());
    const rejects = (t: number, side: 'above' | 'below') => {
      // Through the ratio and back, as `side` sees a bound: log(exp(t)) may differ from t in the last bit.
      const value = Math.exp(t);
      return search.reaches(Math.log(value), side, this.llAt(value) / this.cachedPhi, level);
    };
    const [lo, hi] = oneSidedBounds(rejects, Math.log(est), GRID_MIN, GRID_MAX);
    return [lo <= GRID_MIN ? 0 : Math.exp(lo), hi >= GRID_MAX ? Infinity : Math.exp(hi)];
  }

  /**
   * For a known horizon: the normal deviates of the exact conditional tails at `value` (dispersion-adjusted), from
   * the signed roots of the likelihood ratio with the canary's bad-event count moved half an event toward the
   * null for each side (exactTailRoot: the counts are whole numbers, and a handful of events must not look like
   * more evidence than they are, nor like less). The conditional likelihood is an exponential family in log r
   * with the canary's count as its statistic, so the information at the fit is the curvature of the
   * log-likelihood there (from the parabola through the grid's maximum).
   */
  score(value: number): HorizonScore | undefined {
    if (this.estimate() === undefined || !(value > 0)) return undefined;
    const psi0 = Math.log(value);
    const at = this.llAt(value);
    const side = (shift: number): number => {
      // log-likelihood with the canary's count shifted by `shift`: ll + shift·log r
      let best = 0;
      let bestLl = -Infinity;
      for (let j = 0; j < this.ll.length; j++) {
        const v = this.ll[j] + shift * this.logR[j];
        if (v > bestLl) [best, bestLl] = [j, v];
      }
      let psiHat = this.logR[best];
      let information = 0;
      if (best > 0 && best < this.ll.length - 1) {
        const [a, c] = [this.ll[best - 1] + shift * this.logR[best - 1], this.ll[best + 1] + shift * this.logR[best + 1]];
        const denom = a - 2 * bestLl + c;
        if (denom < 0) {
          const d = (0.5 * (a - c)) / denom;
          psiHat += d * GRID_STEP;
          bestLl -= 0.25 * (a - c) * d;
          information = -denom / GRID_STEP ** 2;
        }
      }
      const gain = Math.max(0, bestLl - (at + shift * psi0));
      const r = signedRoot(psiHat - psi0, gain / this.cachedPhi);
      return information > 0 ? exactTailRoot(r, psiHat - psi0, information / this.cachedPhi) : r;
    };
    const i = this.probes.indexOf(value);
    return { above: side(-0.5), below: side(0.5), information: i >= 0 ? this.probeInfo[i] : NaN };
  }

  /** The canary's share of each interval's bad events at ratio `value`: Binomial(k, value·nc / (value·nc + ns)). */
  countCells(value: number, from: number): BinomialCell[] {
    return this.cells.slice(from).map(([k, nc, ns]) => ({ trials: k, p: (value * nc) / (value * nc + ns) }));
  }

  /** The values a group-sequential test at z boundary `c` does not reject (the interval shown with its decisions). */
  horizonInterval(c: number): [number, number] {
    if (this.estimate() === undefined) return [0, Infinity];
    const [lo, hi] = invertScore((t) => this.score(Math.exp(t)), c, GRID_MIN, GRID_MAX);
    return [lo <= GRID_MIN ? 0 : Math.exp(lo), hi >= GRID_MAX ? Infinity : Math.exp(hi)];
  }
}
