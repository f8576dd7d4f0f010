import { ConfigurationError, invalidInput } from '../../errors.js';
import { optionalInput } from '../../action/inputs.js';
import type { ProviderModule } from '../module.js';
import { hasTargetPlaceholder } from '../template.js';

/** A metric read from CloudWatch with GetMetricData, see measure.ts and queries.ts. */
export interface CloudWatchSource {
  provider: 'cloudwatch';
  namespace: string;
  /** Bad events (ratio metrics) or the value. */
  metric: string;
  /** Ratio metrics: the metric counting all events (same namespace and dimensions). */
  total?: string;
  /** Values may hold `{{target}}`. */
  dimensions: Record<string, string>;
  /** The statistic asked of CloudWatch: `Sum` for ratio metrics, else the metric's `stat` (default `Average`). */
  stat: string;
}

const name = (description: string) => ({ type: 'string', minLength: 1, description, 'x-expected': 'a non-empty string' });

export const cloudwatch: ProviderModule<CloudWatchSource> = {
  name: 'cloudwatch',
  needs: '`namespace`, `metric` and `dimensions` (a value with `{{target}}`), and `total` for a ratio',
  properties: {
    namespace: name('CloudWatch: the metric namespace, e.g. `AI/Agent`.'),
    metric: name('CloudWatch: the metric name (bad events for a ratio metric, e.g. `Errors`; else the value, e.g. `ResponseTime`).'),
    dimensions: {
      type: 'object',
      additionalProperties: { type: ['string', 'number'], 'x-expected': 'a string' },
      description: 'CloudWatch: the dimensions, one value holding `{{target}}`, e.g. `{Version: "{{target}}"}`.',
      'x-expected': 'a mapping of dimension names to values, such as `{Version: "{{target}}"}`',
    },
    total: name('CloudWatch, ratio metrics: the metric counting all events (same namespace and dimensions), e.g. `RequestCount`.'),
  },
  required: (kind) => (kind === 'ratio' ? ['namespace', 'metric', 'dimensions', 'total'] : ['namespace', 'metric', 'dimensions']),
  parseSource(entry, kind, stat, errors) {
    if (kind === 'histogram') throw errors.field('kind', kind, '`ratio` or `value` with provider cloudwatch (histogram metrics read Prometheus bucket counts by `le`)');
    if (kind === 'value' && entry.total !== undefined) throw errors.field('total', entry.total, 'no `total` for a value metric (only ratio metrics have a denominator)');
    if (kind === 'ratio' && stat !== undefined && stat !== 'Sum') throw errors.field('stat', stat, '`Sum` for a ratio metric (it counts events)');
    const dimensions = Object.fromEntries(Object.entries(entry.dimensions as Record<string, string | number>).map(([k, v]) => [k, String(v)]));
    if (!Object.values(dimensions).some(hasTargetPlaceholder)) {
      throw errors.field('dimensions', entry.dimensions, 'at least one dimension value containing `{{target}}` (it tells canary from stable)');
    }
    const source: CloudWatchSource = {
      provider: 'cloudwatch',
      namespace: String(entry.namespace).trim(),
      metric: String(entry.metric).trim(),
      dimensions,
      stat: kind === 'ratio' ? 'Sum' : (stat ?? 'Average'),
    };
    if (entry.total !== undefined) source.total = String(entry.total).trim();
    return source;
  },
  readInputs(intervalMs) {
    const region = optionalInput('aws-region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new ConfigurationError('Input `aws-region` is required with `provider: cloudwatch` (or set AWS_REGION).');
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw invalidInput('aws-region', region, 'an AWS region such as `us-east-1`');
    if (intervalMs % 60_000 !== 0) throw invalidInput('interval', optionalInput('interval') ?? '', 'a whole number of minutes with `provider: cloudwatch` (its periods are multiples of 60 s)');
    return { 'aws-region': region };
  },
  async connect(inputs) {
    const { createCloudWatchClient } = await import('./client.js');
    const { CloudWatchProvider } = await import('./measure.js');
    return new CloudWatchProvider(await createCloudWatchClient(inputs['aws-region']));
  },
};
