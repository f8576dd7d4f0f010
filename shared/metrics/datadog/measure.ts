import type { IntervalMeasurements, Measurement } from '../../analysis/measurement.js';
import type { MetricSpec } from '../../analysis/metric-spec.js';
import { errorMessage } from '../../errors.js';
import type { IntervalWindow, MetricsProvider, TargetNames } from '../provider.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.js';
import { queryMetrics, type DatadogApiOptions, type DatadogSeries } from './api.js';
import { renderDatadogQuery } from './query.js';

export interface DatadogOptions extends DatadogApiOptions {
  retry?: RetryPolicy;
}

/**
 * Measures metrics with v1 queries over the interval ([start, end) seconds).
 * Ratio metrics: `query` (bad events) and `total` (all events) are summed over every point of every series in
 * the window, so they must be counts (`sum:...{...}.as_count()`). `total` with no series or no point: `empty`;
 * total 0: `no-traffic`; `query` with no series while the total is > 0: a true zero (an error count has no
 * points until the first error).
 * Value metrics: each series is one sample, the mean of its points in the window (write the aggregation you
 * judge in the query, e.g. `p95:`); no series or no point: `empty`.
 */
export class DatadogProvider implements MetricsProvider {
  readonly name = 'datadog';

  constructor(private readonly options: DatadogOptions) {}

  async measure(specs: readonly MetricSpec[], window: IntervalWindow, targets: TargetNames): Promise<IntervalMeasurements> {
    const entries = await Promise.all(
      specs.map(async (spec) => {
        const [canary, control] = await Promise.all([this.measureOne(spec, targets.canary, window), this.measureOne(spec, targets.control, window)]);
        return [spec.name, { canary, control }] as const;
      }),
    );
    return { t: window.end, metrics: Object.fromEntries(entries) };
  }

  private async measureOne(spec: MetricSpec, target: string, window: IntervalWindow): Promise<Measurement> {
    const source = spec.source;
    if (source?.provider !== 'datadog') return { status: 'error', message: `metric '${spec.name}' has no Datadog query` };
    const seconds = window.end - window.start;
    try {
      const run = (template: string) => {
        const query = renderDatadogQuery(template, { target, interval: String(seconds) });
        return withRetry(() => queryMetrics(this.options, query, window.start, window.end), this.options.retry ?? DEFAULT_RETRY);
      };
      if (spec.kind === 'ratio') {
        const [den, num] = await Promise.all([run(source.total ?? ''), run(source.query)]);
        return ratioOf(num, den);
      }
      return valueOf(await run(source.query));
    } catch (error) {
      return { status: 'error', message: errorMessage(error) };
    }
  }
}

const sum = (series: DatadogSeries[]) => series.reduce((acc, s) => acc + s.values.reduce((a, b) => a + b, 0), 0);

export function ratioOf(num: DatadogSeries[], den: DatadogSeries[]): Measurement {
  if (den.every((s) => s.values.length === 0)) return { status: 'empty' };
  const total = sum(den);
  if (total <= 0) return { status: 'no-traffic' };
  // Rolled-up counts of two queries may differ by a hair: a numerator above the total is still "all bad".
  const bad = Math.min(Math.max(sum(num), 0), total);
  return { status: 'ok', observation: { kind: 'ratio', num: bad, den: total } };
}

export function valueOf(series: DatadogSeries[]): Measurement {
  const samples = series.filter((s) => s.values.length > 0).map((s) => s.values.reduce((a, b) => a + b, 0) / s.values.length);
  if (samples.length === 0) return { status: 'empty' };
  return { status: 'ok', observation: { kind: 'value', samples } };
}
