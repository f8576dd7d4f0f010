/** Statistics of raw samples (latencies) as the metric's `stat` names them: `Average` (default), `pNN`, ... */

function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/** Sorted copies, kept while the samples are alive: evaluation and the variance both need the order. */
const SORTED = new WeakMap<number[], Float64Array>();
function sortedOf(samples: number[]): Float64Array {
  let s = SORTED.get(samples);
  if (!s) {
    s = Float64Array.from(samples).sort();
    SORTED.set(samples, s);
  }
  return s;
}

function percentileOf(stat: string | undefined): number | undefined {
  const m = stat ? /^p(\d+(?:\.\d+)?)$/.exec(stat) : null;
  return m ? Number(m[1]) / 100 : undefined;
}

/** The interval's value of a metric from its samples (one sample: that value). */
export function statOf(samples: number[], stat: string | undefined): number {
  if (samples.length === 1) return samples[0];
  const p = percentileOf(stat);
  if (p !== undefined) return quantileSorted(sortedOf(samples), p);
  switch (stat) {
    case 'Sum': return samples.reduce((a, b) => a + b, 0);
    case 'Minimum': return Math.min(...samples);
    case 'Maximum': return Math.max(...samples);
    case 'SampleCount': return samples.length;
    default: return samples.reduce((a, b) => a + b, 0) / samples.length;
  }
}

/** Fewest samples from which an interval's statistic gets a usable variance. */
export const MIN_SAMPLES = 20;

/** Whether the statistic can be judged from samples with a variance (a mean or a percentile). */
export function judgedFromSamples(stat: string | undefined): boolean {
  return stat === undefined || stat === 'Average' || percentileOf(stat) !== undefined;
}

/**
 * log of the statistic and the variance of that log, from the samples alone: for a percentile, from the
 * order statistics one binomial standard deviation either side of its rank (distribution-free); for a mean,
 * from the standard error. Undefined when there are too few samples or the statistic is not positive.
 */
export function logStatWithVariance(samples: number[], stat: string | undefined): { log: number; variance: number } | undefined {
  const n = samples.length;
  if (n < MIN_SAMPLES) return undefined;
  const p = percentileOf(stat);
  if (p !== undefined) {
    const sorted = sortedOf(samples);
    const q = quantileSorted(sorted, p);
    // The quantiles one binomial standard deviation of rank either side, interpolated as the statistic is.
    const spread = Math.sqrt((p * (1 - p)) / n);
    const lo = quantileSorted(sorted, Math.max(0, p - spread));
    const hi = quantileSorted(sorted, Math.min(1, p + spread));
    if (!(q > 0 && lo > 0)) return undefined;
    const se = Math.max((Math.log(hi) - Math.log(lo)) / 2, 0.005);
    return { log: Math.log(q), variance: se * se };
  }
  let sum = 0;
  let sq = 0;
  for (const x of samples) {
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  if (!(mean > 0)) return undefined;
  const sd = Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
  const se = Math.max(sd / (mean * Math.sqrt(n)), 0.005);
  return { log: Math.log(mean), variance: se * se };
}
