/**
 * What a metrics provider hands the analysis for one metric, one target (canary or control), one interval.
 * Providers only measure; they never judge. The four kinds of "nothing" are different facts:
 * a provider error, an empty series, zero traffic, and a true zero (which is an `ok` observation).
 */
export type Observation =
  /** Counts in the interval: `num` bad events out of `den` events (errors out of requests). */
  | { kind: 'ratio'; num: number; den: number }
  /** Raw samples in the interval (latencies), or one aggregated value as a single sample. */
  | { kind: 'value'; samples: number[] }
  /**
   * Histogram bucket counts in the interval, cumulative as Prometheus gives them: `counts[i]` requests took at most
   * `bounds[i]` (`le`); the bounds ascend and the last is Infinity (`+Inf`, every request).
   */
  | { kind: 'histogram'; bounds: number[]; counts: number[] };

export type Measurement =
  | { status: 'ok'; observation: Observation }
  /** The query ran and returned no series or no points. */
  | { status: 'empty' }
  /** A ratio metric whose denominator (traffic) was zero: no evidence either way. */
  | { status: 'no-traffic' }
  /** The provider failed (after its retries): unreachable, bad query, HTML instead of JSON... */
  | { status: 'error'; message: string };

/** One interval's measurements, per metric name, for the canary and its control (stable or baseline). */
export interface IntervalMeasurements {
  /** Interval end, seconds since the epoch. */
  t: number;
  metrics: Record<string, { canary: Measurement; control: Measurement }>;
}

/** Which target a query is rendered for: `{{target}}` becomes this name (or a configured alias). */
export type Target = 'canary' | 'stable' | 'baseline';
