/** Statistics of raw samples (latencies) as the metric's `stat` names them: `Average` (default), `pNN`, ... */
import { orderStatistics } from './order-statistics.js';

/** The lower of the two ranks (0-based) that the p-quantile of n values is interpolated between. */
function rankBelow(n: number, p: number): number {
  return Math.floor((n - 1) * p);
}

/** The p-quantile, interpolated between the two ranks around it; `ranks[i]` holds rank `from + i`. */
function quantileOf(ranks: number[], from: number, n: number, p: number): number {
  const h = (n - 1) * p;
  const lo = rankBelow(n, p);
  const at = (rank: number) => ranks[Math.min(rank, n - 1) - from];
  return at(lo) + (h - lo) * (at(lo + 1) - at(lo));
}

/** A percentile of an interval's samples and the quantiles one binomial standard deviation of rank either side. */
interface PercentileReading {
  p: number;
  value: number;
  lower: number;
  upper: number;
}

/**
 * Worked out once per samples and percentile, kept while the samples are alive: the evaluation reads the
 * value, the variance reads all three.
 */
const READINGS = new WeakMap<number[], PercentileReading>();

function percentileReading(samples: number[], p: number): PercentileReading {
  const kept = READINGS.get(samples);
  if (kept?.p === p) return kept;
  const n = samples.length;
  // Interpolated as the statistic is (see logStatWithVariance).
  const spread = Math.sqrt((p * (1 - p)) / n);
  const pLower = Math.max(0, p - spread);
  const pUpper = Math.min(1, p + spread);
  const from = rankBelow(n, pLower);
  const ranks = orderStatistics(samples, from, Math.min(rankBelow(n, pUpper) + 1, n - 1));
  const reading = { p, value: quantileOf(ranks, from, n, p), lower: quantileOf(ranks, from, n, pLower), upper: quantileOf(ranks, from, n, pUpper) };
  READINGS.set(samples, reading);
  return reading;
}

/** What each `stat` names: a percentile (as a probability) or not. Asked four times an interval, parsed once. */
const PERCENTILES = new Map<string, number | undefined>();

function percentileOf(stat: string | undefined): number | undefined {
  if (!stat) return undefined;
  if (!PERCENTILES.has(stat)) {
    const m = /^p(\d+(?:\.\d+)?)$/.exec(stat);
    PERCENTILES.set(stat, m ? Number(m[1]) / 100 : undefined);
  }
  return PERCENTILES.get(stat);
}

/** The interval's value of a metric from its samples (one sample: that value). */
export function statOf(samples: number[], stat: string | undefined): number {
  if (samples.length === 1) return samples[0];
  const p = percentileOf(stat);
  if (p !== undefined) return percentileReading(samples, p).value;
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
    // The quantiles one binomial standard deviation of rank either side, interpolated as the statistic is.
    const { value: q, lower: lo, upper: hi } = percentileReading(samples, p);
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
