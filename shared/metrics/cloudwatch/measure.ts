import type { CloudWatchClient, GetMetricDataCommandOutput, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { IntervalMeasurements, Measurement } from '../../analysis/measurement.js';
import type { MetricSpec } from '../../analysis/metric-spec.js';
import { errorMessage } from '../../errors.js';
import type { IntervalWindow, MetricsProvider, TargetNames } from '../provider.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.js';
import { buildQueries, type QueryKey } from './queries.js';

/** The part of the SDK client the provider uses; the client is built once at the action's edge. */
export type CloudWatchSender = Pick<CloudWatchClient, 'send'>;

interface Series {
  values: number[];
  failure?: string;
}

/**
 * Measures every metric for canary and control with ONE GetMetricData call per interval (paged with
 * NextToken when CloudWatch splits the answer), one period covering the interval.
 * Ratio: `total` metric without datapoints -> `empty`, total 0 -> `no-traffic`, a bad-events metric without
 * datapoints while the total is > 0 -> a true zero (CloudWatch has no datapoint for "no errors").
 * Value: no datapoint -> `empty`; each datapoint of the statistic (e.g. `p95`) is one sample.
 */
export class CloudWatchProvider implements MetricsProvider {
  readonly name = 'cloudwatch';

  constructor(
    private readonly client: CloudWatchSender,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async measure(specs: readonly MetricSpec[], window: IntervalWindow, targets: TargetNames): Promise<IntervalMeasurements> {
    const { queries, keys } = buildQueries(specs, targets, window.end - window.start);
    let series: Map<string, Series>;
    try {
      series = await this.fetchAll(queries, window);
    } catch (error) {
      const failed: Measurement = { status: 'error', message: `CloudWatch GetMetricData failed: ${errorMessage(error)}` };
      return { t: window.end, metrics: Object.fromEntries(specs.map((s) => [s.name, { canary: failed, control: failed }])) };
    }
    const byMetric = new Map<string, Partial<Record<string, Series>>>();
    for (const [id, key] of keys) {
      const parts = byMetric.get(key.metric) ?? {};
      parts[`${key.role}.${key.part}`] = series.get(id) ?? { values: [] };
      byMetric.set(key.metric, parts);
    }
    const metrics = Object.fromEntries(
      specs.map((spec) => {
        if (spec.source?.provider !== 'cloudwatch') {
          const unmeasured: Measurement = { status: 'error', message: `metric '${spec.name}' has no CloudWatch metric` };
          return [spec.name, { canary: unmeasured, control: unmeasured }];
        }
        const parts = byMetric.get(spec.name) ?? {};
        const one = (role: QueryKey['role']) =>
          spec.kind === 'ratio' ? ratioOf(parts[`${role}.num`], parts[`${role}.den`]) : valueOf(parts[`${role}.value`]);
        return [spec.name, { canary: one('canary'), control: one('control') }];
      }),
    );
    return { t: window.end, metrics };
  }

  private async fetchAll(queries: MetricDataQuery[], window: IntervalWindow): Promise<Map<string, Series>> {
    const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
    const series = new Map<string, Series>();
    let nextToken: string | undefined;
    do {
      const page: GetMetricDataCommandOutput = await withRetry(
        () =>
          this.client.send(
            new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: new Date(window.start * 1000),
              EndTime: new Date(window.end * 1000),
              ScanBy: 'TimestampAscending',
              NextToken: nextToken,
            }),
          ),
        this.retry,
      );
      for (const result of page.MetricDataResults ?? []) merge(series, result);
      nextToken = page.NextToken;
    } while (nextToken);
    return series;
  }
}

function merge(series: Map<string, Series>, result: MetricDataResult): void {
  if (!result.Id) return;
  const entry = series.get(result.Id) ?? { values: [] };
  // moto and CloudWatch may return null for a statistic they cannot compute: that is no datapoint.
  entry.values.push(...(result.Values ?? []).filter((v): v is number => typeof v === 'number' && !Number.isNaN(v)));
  if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
    entry.failure = `${result.StatusCode}${result.Messages?.length ? `: ${result.Messages.map((m) => m.Value).join('; ')}` : ''}`;
  }
  series.set(result.Id, entry);
}

const total = (values: number[]) => values.reduce((a, b) => a + b, 0);

function failureOf(...parts: (Series | undefined)[]): Measurement | undefined {
  const failed = parts.find((p) => p?.failure);
  return failed ? { status: 'error', message: `CloudWatch returned ${failed.failure}` } : undefined;
}

export function ratioOf(num: Series | undefined, den: Series | undefined): Measurement {
  const failed = failureOf(num, den);
  if (failed) return failed;
  if (!den || den.values.length === 0) return { status: 'empty' };
  const requests = total(den.values);
  if (requests <= 0) return { status: 'no-traffic' };
  const bad = Math.min(Math.max(total(num?.values ?? []), 0), requests);
  return { status: 'ok', observation: { kind: 'ratio', num: bad, den: requests } };
}

export function valueOf(value: Series | undefined): Measurement {
  const failed = failureOf(value);
  if (failed) return failed;
  if (!value || value.values.length === 0) return { status: 'empty' };
  return { status: 'ok', observation: { kind: 'value', samples: value.values } };
}
