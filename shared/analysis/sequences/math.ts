/** Small numeric helpers for the confidence sequences (no dependency is worth it for these). */

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * Dispersion (variance inflation) from the sum of `residuals` Pearson residuals around a fit of one parameter
 * (one per interval, or per group of intervals: count-dispersion.ts), shrunk toward 1 by `prior` pseudo-residuals.
 */
export function dispersion(pearsonSum: number, residuals: number, prior: number): number {
  const dof = Math.max(0, residuals - 1);
  return Math.max(1, (prior + pearsonSum) / (prior + dof));
}

/**
 * Pearson residuals of every interval so far around the current estimate, recomputed as the estimate moves
 * (residuals around early, poor estimates would overstate the noise). Recomputed every interval for the first
 * 100, then every 10th: long traces stay linear in time.
 */
export class Residuals<T> {
  private readonly items: T[] = [];
  private sum = 0;

  constructor(private readonly residual: (item: T) => number | undefined) {}

  add(item: T): void {
    this.items.push(item);
    const n = this.items.length;
    if (n <= 100 || n % 10 === 0) {
      this.sum = 0;
      for (const it of this.items) this.sum += this.residual(it) ?? 0;
    } else this.sum += this.residual(item) ?? 0;
  }

  /** Adds many items at once: the residuals are summed once, around the estimate they all give. */
  addAll(items: T[]): void {
    this.items.push(...items);
    this.sum = 0;
    for (const it of this.items) this.sum += this.residual(it) ?? 0;
  }

  get total(): number {
    return this.sum;
  }
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > t) for Student's t with `nu` degrees of freedom. */
export function studentUpper(t: number, nu: number): number {
  const tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}
