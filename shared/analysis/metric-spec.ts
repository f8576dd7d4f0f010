import type { MetricSource } from '../metrics/registry.js';

/**
 * One entry of the `metrics` input (YAML), after parsing. Names are the public contract (schemas/metrics.schema.json).
 * The parser (`parseMetricSpecs`) lives in shared/analysis/metric-spec-parse.ts.
 */
export type MetricKind = 'ratio' | 'value' | 'histogram';
export type Direction = 'lower-is-better' | 'higher-is-better';
export type MissingDataPolicy = 'inconclusive' | 'fail' | 'ignore';

export interface MetricSpec {
  name: string;
  kind: MetricKind;
  direction: Direction;
  /** Where the data comes from: the fields of its provider (undefined in replay, which needs no queries). */
  source?: MetricSource;
  /** Histogram metrics: the quantile the bounds are on (0.95: the p95). */
  quantile?: number;
  /** `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or a percentile `p50`..`p99.9`: what an interval's raw samples are summed up by. */
  stat?: string;
  /** Absolute bounds for the canary. */
  max?: number;
  min?: number;
  /** Allowed worsening relative to control, as a fraction (50% -> 0.5). */
  maxIncrease?: number;
  onMissingData?: MissingDataPolicy;
  /** A metric whose failure alone fails the canary (default true). */
  critical?: boolean;
  /** Judged and shown (heartbeat, summary, report) but never deciding the verdict: a metric being tried out. */
  dryRun?: boolean;
}
