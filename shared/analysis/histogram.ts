import type { Observation } from './measurement.js';

/** Bucket counts, cumulative: `counts[i]` observations at most `bounds[i]`; the last bound is Infinity. */
export type Histogram = Extract<Observation, { kind: 'histogram' }>;

/** Every observation counted (the `+Inf` bucket). */
export function totalOf(h: Histogram): number {
  return h.counts[h.counts.length - 1] ?? 0;
}

/**
 * How many observations are at most `t`, interpolated linearly inside the bucket that holds `t` (the first bucket
 * starting at 0), as histogram_quantile reads a bucket. Past the highest finite bound nothing can be
 * interpolated: what lies in the `+Inf` bucket counts as above any `t` there.
 */
export function countAtMost(h: Histogram, t: number): number {
  const { bounds, counts } = h;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i];
    if (!Number.isFinite(upper)) return below;
    if (t <= upper) {
      if (t <= lower) return below;
      return below + ((counts[i] - below) * (t - lower)) / (upper - lower);
    }
    lower = upper;
    below = counts[i];
  }
  return below;
}

/**
 * How many observations are surely at most `t`, and how many may be: the counts at the bounds of the bucket holding
 * `t` (the same count twice when `t` is a bound). Unlike an interpolation, they assume nothing about how the
 * observations spread inside a bucket.
 */
export function countAtMostRange(h: Histogram, t: number): [number, number] {
  const { bounds, counts } = h;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (t === bounds[i]) return [counts[i], counts[i]];
    if (t < bounds[i]) return [below, counts[i]];
    below = counts[i];
  }
  return [below, below];
}

/** The q-quantile as Prometheus' histogram_quantile gives it (the highest finite bound when it falls in `+Inf`). */
export function quantileOf(h: Histogram, q: number): number | undefined {
  const { bounds, counts } = h;
  const total = totalOf(h);
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] >= rank) {
      if (!Number.isFinite(bounds[i])) return lower;
      const inBucket = counts[i] - below;
      return inBucket > 0 ? lower + ((bounds[i] - lower) * (rank - below)) / inBucket : bounds[i];
    }
    lower = bounds[i];
    below = counts[i];
  }
  return lower;
}

/** The sum of two histograms; buckets of `b` that `a` lacks are read at `a`'s bounds (interpolated). */
export function addHistograms(a: Histogram | undefined, b: Histogram): Histogram {
  if (!a) return { kind: 'histogram', bounds: b.bounds.slice(), counts: b.counts.slice() };
  const same = a.bounds.length === b.bounds.length && a.bounds.every((x, i) => x === b.bounds[i]);
  const counts = a.bounds.map((t, i) => a.counts[i] + (same ? b.counts[i] : Number.isFinite(t) ? countAtMost(b, t) : totalOf(b)));
  return { kind: 'histogram', bounds: a.bounds.slice(), counts };
}
