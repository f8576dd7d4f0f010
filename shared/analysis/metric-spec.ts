/**
 * One entry of the `metrics` input (YAML), after parsing. Names are the public contract.
 * The parser (`parseMetricSpecs`) lives in shared/analysis/metric-spec-parse.ts.
 */
export type MetricKind = 'ratio' | 'value';
export type Direction = 'lower-is-better' | 'higher-is-better';
export type MissingDataPolicy = 'inconclusive' | 'fail' | 'ignore';

export interface MetricSpec {
  name: string;
  kind: MetricKind;
  direction: Direction;
  /** Prometheus: numerator query (ratio) or the value query; contains `{{target}}`. */
  query?: string;
  /** Prometheus, ratio metrics: denominator query; contains `{{target}}`. */
  total?: string;
  /** CloudWatch: namespace, metric name, dimensions (values may contain `{{target}}`), statistic. */
  namespace?: string;
  metric?: string;
  /** CloudWatch ratio metrics: the denominator metric name (same namespace and dimensions). */
  totalMetric?: string;
  dimensions?: Record<string, string>;
  /** `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or a percentile `p50`..`p99.9`. */
  stat?: string;
  /** Absolute bounds for the canary. */
  max?: number;
  min?: number;
  /** Allowed worsening relative to control, as a fraction (50% -> 0.5). */
  maxIncrease?: number;
  onMissingData?: MissingDataPolicy;
  /** A metric whose failure alone fails the canary (default true). */
  critical?: boolean;
}
