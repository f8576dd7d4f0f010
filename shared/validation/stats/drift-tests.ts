import { normalUpper } from '../../analysis/sequences/normal.js';
import { logGamma } from './binomial.js';

/**
 * The per-column drift tests Evidently chooses by default. Each returns the statistic Evidently reports
 * and whether it signals drift at its default threshold (p < 0.05 for tests, distance >= 0.1 above 1,000 rows).
 */
export interface DriftTest {
  method: 'ks' | 'chi-square' | 'z-test' | 'wasserstein' | 'jensen-shannon';
  /** p-value for tests, distance for distances. */
  score: number;
  threshold: number;
  drifted: boolean;
}

const P_THRESHOLD = 0.05;
const DISTANCE_THRESHOLD = 0.1;

/** Two-sample Kolmogorov-Smirnov test (asymptotic distribution with Stephens' small-sample correction). */
export function ksTest(reference: Float64Array, current: Float64Array): DriftTest {
  const a = Float64Array.from(reference).sort();
  const b = Float64Array.from(current).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  const en = Math.sqrt((a.length * b.length) / (a.length + b.length));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  let p = 0;
  if (lambda < 0.2) p = 1;
  else for (let k = 1; k <= 100; k++) p += 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
  p = Math.min(1, Math.max(0, p));
  return { method: 'ks', score: p, threshold: P_THRESHOLD, drifted: p < P_THRESHOLD };
}

/** Regularized upper incomplete gamma Q(s, x). */
export function upperGamma(s: number, x: number): number {
  if (x <= 0) return 1;
  const lg = logGamma(s);
  if (x < s + 1) {
    let sum = 1 / s;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (s + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + s * Math.log(x) - lg);
  }
  let b = x + 1 - s;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + s * Math.log(x) - lg) * h;
}

/** Chi-square goodness of fit of current counts against reference proportions (as Evidently does). */
export function chiSquareTest(reference: Map<string, number>, current: Map<string, number>): DriftTest {
  const keys = new Set([...reference.keys(), ...current.keys()]);
  const refTotal = sum(reference.values());
  const curTotal = sum(current.values());
  let stat = 0;
  let impossible = false;
  for (const key of keys) {
    const expected = ((reference.get(key) ?? 0) / refTotal) * curTotal;
    const observed = current.get(key) ?? 0;
    if (expected === 0) {
      if (observed > 0) impossible = true;
      continue;
    }
    stat += (observed - expected) ** 2 / expected;
  }
  const p = impossible ? 0 : keys.size < 2 ? 1 : upperGamma((keys.size - 1) / 2, stat / 2);
  return { method: 'chi-square', score: p, threshold: P_THRESHOLD, drifted: p < P_THRESHOLD };
}

/** Two-proportion Z-test for a binary column (Evidently's default for two categories). */
export function zTest(reference: Map<string, number>, current: Map<string, number>): DriftTest {
  const key = [...reference.keys(), ...current.keys()].sort()[0];
  const n1 = sum(reference.values());
  const n2 = sum(current.values());
  const p1 = (reference.get(key) ?? 0) / n1;
  const p2 = (current.get(key) ?? 0) / n2;
  const pooled = ((reference.get(key) ?? 0) + (current.get(key) ?? 0)) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se === 0 ? (p1 === p2 ? 0 : Infinity) : Math.abs(p1 - p2) / se;
  const p = 2 * normalUpper(z);
  return { method: 'z-test', score: p, threshold: P_THRESHOLD, drifted: p < P_THRESHOLD };
}

/** Wasserstein-1 distance divided by the reference's standard deviation (Evidently's "normed" variant). */
export function wassersteinNormed(reference: Float64Array, current: Float64Array): DriftTest {
  const a = Float64Array.from(reference).sort();
  const b = Float64Array.from(current).sort();
  // Integrate |F_a - F_b| over the merged support.
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0], b[0]);
  let area = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    area += Math.abs(i / a.length - j / b.length) * (x - prev);
    prev = x;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  const mean = sum(a) / a.length;
  const std = Math.sqrt(sum(Array.from(a, (v) => (v - mean) ** 2)) / a.length);
  const distance = area / Math.max(std, 0.001);
  return { method: 'wasserstein', score: distance, threshold: DISTANCE_THRESHOLD, drifted: distance >= DISTANCE_THRESHOLD };
}

/** Jensen-Shannon distance (natural log, as scipy) between category shares; empty shares get 0.0001 as in Evidently. */
export function jensenShannon(reference: Map<string, number>, current: Map<string, number>): DriftTest {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  const share = (m: Map<string, number>) => {
    const total = sum(m.values());
    const raw = keys.map((k) => (m.get(k) ?? 0) / total || 0.0001);
    const s = sum(raw);
    return raw.map((v) => v / s);
  };
  const p = share(reference);
  const q = share(current);
  let js = 0;
  for (let k = 0; k < keys.length; k++) {
    const m = (p[k] + q[k]) / 2;
    js += 0.5 * (p[k] * Math.log(p[k] / m) + q[k] * Math.log(q[k] / m));
  }
  const distance = Math.sqrt(Math.max(0, js));
  return { method: 'jensen-shannon', score: distance, threshold: DISTANCE_THRESHOLD, drifted: distance >= DISTANCE_THRESHOLD };
}

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
