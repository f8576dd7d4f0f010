import type { JsonSchema } from '../metrics/module.js';

/**
 * The engine's own fields of a metric entry: its part of the metrics schema (schemas/metrics.schema.json), which
 * shared/metrics/schema.ts composes with each provider's fragment. `x-expected` is what an error says was expected.
 */
export const METRIC_PROPERTIES: Readonly<Record<string, JsonSchema>> = {
  name: {
    type: 'string',
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
    description: 'Names the metric in the heartbeat, the summary, the report and errors; unique in the list.',
    'x-expected': 'letters, digits, `-`, `_` or `.` (it names the metric in reports)',
  },
  kind: {
    enum: ['ratio', 'value', 'histogram'],
    description: '`ratio`: bad events out of all events (errors out of requests), judged from the counts; `value`: a level such as a latency; `histogram`: latency bucket counts by `le` (Prometheus), its `quantile` judged from the counts.',
  },
  quantile: {
    type: 'number',
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    description: 'Histogram metrics: the quantile the bounds are on, e.g. 0.95 for the p95 (`max` is then a p95 latency, `max-increase` a worsening of the p95).',
    'x-expected': 'a quantile between 0 and 1, such as 0.95 for the p95',
  },
  direction: {
    enum: ['lower-is-better', 'higher-is-better'],
    default: 'lower-is-better',
    description: 'Which way is worse: `lower-is-better` (errors, latency; the default) or `higher-is-better` (throughput, accuracy).',
  },
  max: {
    type: 'number',
    description: 'The canary\'s own upper limit: it fails when confidently above it, and passes it once confidently below. Ratio metrics: a fraction (5% is 0.05).',
    'x-expected': 'a number',
  },
  min: {
    type: 'number',
    description: 'The canary\'s own lower limit: it fails when confidently below it, and passes it once confidently above.',
    'x-expected': 'a number',
  },
  'max-increase': {
    anyOf: [
      { type: 'number', exclusiveMinimum: 0, maximum: 10 },
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' },
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*$' },
    ],
    description: 'How much worse than the control (stable or baseline) you tolerate, e.g. `50%`: the canary fails when confidently worse than that, and passes it once confidently within it. For higher-is-better metrics, the drop tolerated (below 100%).',
    'x-expected': 'a percentage such as `50%` or a fraction such as 0.5, greater than 0',
  },
  'on-missing-data': {
    enum: ['inconclusive', 'fail', 'ignore'],
    description: 'What an empty series means for this metric (default: the action\'s `on-missing-data`): no evidence (`inconclusive`), a failure (`fail`), or leave the metric out (`ignore`).',
  },
  critical: {
    type: 'boolean',
    default: true,
    description: 'Whether this metric\'s failure alone fails the canary (default true). A non-critical metric is judged and reported only.',
    'x-expected': '`true` or `false`',
  },
  'dry-run': {
    type: 'boolean',
    default: false,
    description: 'Judge this metric and show it (heartbeat, summary, report, marked dry-run) without letting it decide the verdict: how to try a new metric out before trusting it (Argo Rollouts\' dryRun).',
    'x-expected': '`true` or `false`',
  },
  stat: {
    type: 'string',
    pattern: '^(Average|Sum|Minimum|Maximum|SampleCount|p([1-9]\\d?(\\.\\d+)?|0\\.\\d*[1-9]\\d*))$',
    description: 'How an interval\'s values are summed up: `Average` (default), `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile such as `p95` (CloudWatch asks it for this statistic; raw samples in a replay trace are summed up by it).',
    'x-expected': 'one of `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile `p50`..`p99.9`',
  },
};

/** Fields of the metric entry every metric needs, and the checks across fields that a schema states. */
export const METRIC_REQUIRED = ['name', 'kind'];
export const NO_BOUND = 'no bound to judge it by. Expected at least one of `max`, `min` or `max-increase`.';
export const RATIO_BOUND = 'a fraction from 0 to 1 for a ratio metric (5% is 0.05)';
export const HISTOGRAM_QUANTILE = 'the quantile its bounds are on, such as `quantile: 0.95` (a histogram metric judges one quantile)';
