import type { IntervalMeasurements, Measurement } from '../../analysis/measurement.js';
import type { MetricSpec } from '../../analysis/metric-spec.js';
import { errorMessage } from '../../errors.js';
import type { IntervalWindow, MetricsProvider, TargetNames } from '../provider.js';
import { queryInstant, type PrometheusApiOptions, type PromSample } from './api.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.js';
import { renderPromQL } from '../template.js';

export interface PrometheusOptions extends PrometheusApiOptions {
  url: string;
  retry?: RetryPolicy;
}

/**
 * Measures metrics with instant queries evaluated at the interval's end (`time=`).
 *
 * Ratio metrics are judged from COUNTS in the interval, so `query` (bad events) and `total` (all events)
 * must return counts: write them with `increase(...[{{interval}}])`. A query built on `rate(...)` (and no
 * `increase(`) is turned into a count by multiplying it by the interval's seconds; that is exact when its
 * range is `[{{interval}}]`, an approximation otherwise.
 * - `total` has no series: `empty`; `total` is 0: `no-traffic`; `query` has no series while `total` > 0:
 *   a true zero (error counters often have no series until the first error).
 * Value metrics: every series the query returns is one sample; no series: `empty`; only NaN values
 * (PromQL's 0/0, e.g. a quantile over no requests): `no-traffic`; only ±Inf: `error`.
 */
export class PrometheusProvider implements MetricsProvider {
  readonly name = 'prometheus';

  constructor(private readonly options: PrometheusOptions) {}

  async measure(specs: readonly MetricSpec[], window: IntervalWindow, targets: TargetNames): Promise<IntervalMeasurements> {
    const seconds = window.end - window.start;
    const entries = await Promise.all(
      specs.map(async (spec) => {
        const [canary, control] = await Promise.all([
          this.measureOne(spec, targets.canary, window.end, seconds),
          this.measureOne(spec, targets.control, window.end, seconds),
        ]);
        return [spec.name, { canary, control }] as const;
      }),
    );
    return { t: window.end, metrics: Object.fromEntries(entries) };
  }

  private async measureOne(spec: MetricSpec, target: string, time: number, seconds: number): Promise<Measurement> {
    const source = spec.source;
    if (source?.provider !== 'prometheus') return { status: 'error', message: `metric '${spec.name}' has no Prometheus query` };
    try {
      if (spec.kind === 'ratio') {
        const [den, num] = await Promise.all([
          this.run(countQuery(source.total ?? '', target, seconds), time),
          this.run(countQuery(source.query, target, seconds), time),
        ]);
        return ratioMeasurement(num, den);
      }
      const samples = await this.run(renderPromQL(source.query, { target, interval: `${seconds}s` }), time);
      return spec.kind === 'histogram' ? histogramMeasurement(samples) : valueMeasurement(samples);
    } catch (error) {
      return { status: 'error', message: errorMessage(error) };
    }
  }

  private run(query: string, time: number): Promise<PromSample[]> {
    return withRetry(() => queryInstant(this.options.url, query, time, this.options), this.options.retry ?? DEFAULT_RETRY);
  }
}

/** A ratio query rendered for a target, as a count over the interval (see the class comment). */
export function countQuery(template: string, target: string, seconds: number): string {
  const query = renderPromQL(template, { target, interval: `${seconds}s` });
  const isRate = /(^|[^a-z_])rate\s*\(/.test(query) && !/increase\s*\(/.test(query);
  return isRate ? `(${query}) * ${seconds}` : query;
}

function sum(samples: PromSample[]): number {
  return samples.reduce((acc, s) => acc + (Number.isNaN(s.value) ? 0 : s.value), 0);
}

export function ratioMeasurement(num: PromSample[], den: PromSample[]): Measurement {
  if (den.length === 0 || den.every((s) => Number.isNaN(s.value))) return { status: 'empty' };
  const total = sum(den);
  if (total <= 0) return { status: 'no-traffic' };
  // increase() extrapolates both series alike; a numerator a hair above the total is still "all bad".
  const bad = Math.min(Math.max(sum(num), 0), total);
  return { status: 'ok', observation: { kind: 'ratio', num: bad, den: total } };
}

export function valueMeasurement(samples: PromSample[]): Measurement {
  if (samples.length === 0) return { status: 'empty' };
  const values = samples.map((s) => s.value).filter((v) => !Number.isNaN(v));
  if (values.length === 0) return { status: 'no-traffic' };
  const finite = values.filter(Number.isFinite);
  // Only infinite values: a quantile above the highest histogram bucket. Not a number to judge, and not health.
  if (finite.length === 0) return { status: 'error', message: `the query returned ${values[0]} (a quantile above the highest histogram bucket?)` };
  return { status: 'ok', observation: { kind: 'value', samples: finite } };
}

/**
 * Bucket counts by `le` (a histogram query such as `sum by (le) (increase(x_bucket{...}[{{interval}}]))`): cumulative,
 * as Prometheus keeps them. No series: `empty`; nothing in `+Inf`: `no-traffic`; series without `le`, or no `+Inf`
 * bucket: an error that says what the query must return. `increase()` extrapolates each bucket alone, so a bucket
 * may come out a hair below the one before it: counts are kept non-decreasing.
 */
export function histogramMeasurement(samples: PromSample[]): Measurement {
  if (samples.length === 0) return { status: 'empty' };
  const buckets = samples.map((s) => ({ le: s.labels.le === undefined ? NaN : s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), value: s.value }));
  if (buckets.some((b) => Number.isNaN(b.le))) return { status: 'error', message: 'the query returned series without an `le` label: a histogram metric needs bucket counts by `le`, e.g. `sum by (le) (increase(..._bucket{...}[{{interval}}]))`' };
  buckets.sort((a, b) => a.le - b.le);
  if (buckets[buckets.length - 1].le !== Infinity) return { status: 'error', message: 'the query returned no `le="+Inf"` bucket: a histogram metric needs every bucket, `+Inf` included' };
  let running = 0;
  const counts = buckets.map((b) => (running = Math.max(running, Number.isFinite(b.value) ? b.value : 0)));
  if (!(running > 0)) return { status: 'no-traffic' };
  return { status: 'ok', observation: { kind: 'histogram', bounds: buckets.map((b) => b.le), counts } };
}
