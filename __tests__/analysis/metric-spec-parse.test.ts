import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/errors.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import type { ProviderName } from '../../shared/metrics/registry.js';

const PROMETHEUS_EXAMPLE = `
- name: error-rate
  kind: ratio
  query: sum(rate(http_requests_total{app="agent",version="{{target}}",code=~"5.."}[1m]))
  total: sum(rate(http_requests_total{app="agent",version="{{target}}"}[1m]))
  max: 0.05
  max-increase: 50%
  direction: lower-is-better
`;
const CLOUDWATCH_EXAMPLE = `
- name: p95-latency
  kind: value
  namespace: AI/Agent
  metric: ResponseTime
  dimensions: {Version: "{{target}}"}
  stat: p95
  max: 5000
`;

function error(yaml: string, provider?: ProviderName): string {
  try {
    parseMetricSpecs(yaml, 'metrics', provider);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseMetricSpecs', () => {
  it('reads a metric into its engine fields and its provider\'s own (the source)', () => {
    const [errors] = parseMetricSpecs(PROMETHEUS_EXAMPLE, 'metrics', 'prometheus');
    expect(errors).toEqual({
      name: 'error-rate',
      kind: 'ratio',
      direction: 'lower-is-better',
      source: {
        provider: 'prometheus',
        query: 'sum(rate(http_requests_total{app="agent",version="{{target}}",code=~"5.."}[1m]))',
        total: 'sum(rate(http_requests_total{app="agent",version="{{target}}"}[1m]))',
      },
      max: 0.05,
      maxIncrease: 0.5,
    });
    const [latency] = parseMetricSpecs(CLOUDWATCH_EXAMPLE, 'metrics', 'cloudwatch');
    expect(latency).toEqual({
      name: 'p95-latency', kind: 'value', direction: 'lower-is-better', stat: 'p95', max: 5000,
      source: { provider: 'cloudwatch', namespace: 'AI/Agent', metric: 'ResponseTime', dimensions: { Version: '{{target}}' }, stat: 'p95' },
    });
  });

  it('in replay (no provider) accepts any provider\'s fields and keeps no source: the trace brings the data', () => {
    const specs = parseMetricSpecs(PROMETHEUS_EXAMPLE + CLOUDWATCH_EXAMPLE);
    expect(specs.map((s) => [s.name, s.source])).toEqual([['error-rate', undefined], ['p95-latency', undefined]]);
  });

  it('accepts max-increase as a fraction and reads on-missing-data and critical', () => {
    const [s] = parseMetricSpecs([{ name: 'e', kind: 'ratio', 'max-increase': 0.25, 'on-missing-data': 'fail', critical: false }]);
    expect(s).toMatchObject({ maxIncrease: 0.25, onMissingData: 'fail', critical: false });
  });

  it('accepts specs without queries when no provider is given (replay)', () => {
    expect(parseMetricSpecs('- {name: e, kind: ratio, max: 0.1}')).toHaveLength(1);
  });

  it('refuses malformed YAML naming the input and the line', () => {
    expect(error('- name: e\n  kind: [ratio\n')).toMatch(/^Invalid `metrics`: not valid YAML at line \d/);
  });

  it('refuses a single mapping instead of a list', () => {
    expect(error('name: e\nkind: ratio\nmax: 0.1')).toContain('Expected a YAML list');
  });

  it('refuses an unknown kind naming metric, field, value and the choices', () => {
    expect(error('- {name: error-rate, kind: ratios, max: 0.1}')).toBe(
      "Invalid `metrics`: metric 'error-rate' (item 1): `kind` is 'ratios'. Expected one of `ratio`, `value`, `histogram`.",
    );
  });

  it('refuses an unknown stat', () => {
    expect(error('- {name: lat, kind: value, max: 1, stat: p100}')).toBe(
      "Invalid `metrics`: metric 'lat' (item 1): `stat` is 'p100'. Expected one of `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile `p50`..`p99.9`.",
    );
  });

  it('refuses a ratio metric whose query has no total', () => {
    expect(error('- {name: e, kind: ratio, max: 0.1, query: "sum(x{v=\\"{{target}}\\"})"}', 'prometheus')).toBe(
      "Invalid `metrics`: metric 'e' (item 1): `total` is missing. Expected `query` (and `total` for a ratio), PromQL containing `{{target}}` (provider prometheus).",
    );
  });

  it('refuses a prometheus query without {{target}}', () => {
    expect(error('- {name: e, kind: value, max: 1, query: "sum(x)"}', 'prometheus')).toBe(
      "Invalid `metrics`: metric 'e' (item 1): `query` is 'sum(x)'. Expected a query containing `{{target}}` (replaced by canary and stable/baseline so both targets are measured).",
    );
  });

  it('refuses a cloudwatch metric whose dimensions never mention {{target}}', () => {
    expect(error('- {name: l, kind: value, max: 1, namespace: A, metric: B, dimensions: {Version: v1}}', 'cloudwatch')).toContain(
      "metric 'l' (item 1): `dimensions` is '{\"Version\":\"v1\"}'. Expected at least one dimension value containing `{{target}}`",
    );
  });

  it('refuses a metric shaped for the other provider', () => {
    expect(error('- {name: l, kind: value, max: 1, namespace: A, metric: B, dimensions: {V: "{{target}}"}}', 'prometheus')).toContain('`query` is missing');
    expect(error('- {name: l, kind: value, max: 1, query: "x{v=\\"{{target}}\\"}"}', 'cloudwatch')).toContain('`namespace` is missing. Expected `namespace`, `metric` and `dimensions` (a value with `{{target}}`), and `total` for a ratio (provider cloudwatch).');
  });

  it('refuses duplicate names, naming both items', () => {
    expect(error('- {name: e, kind: ratio, max: 0.1}\n- {name: e, kind: ratio, max: 0.2}')).toBe(
      "Invalid `metrics`: metric 'e' appears twice (items 1 and 2). Expected unique names.",
    );
  });

  it('refuses unknown fields, naming the field and the allowed ones', () => {
    expect(error('- {name: e, kind: ratio, max: 0.1, maximum: 0.2}')).toMatch(/^Invalid `metrics`: metric 'e' \(item 1\): unknown field `maximum`\. Expected one of `name`, `kind`/);
  });

  it.each([
    ['- {name: e, kind: ratio, max: 5}', '`max` is \'5\'. Expected a fraction from 0 to 1 for a ratio metric'],
    ['- {name: e, kind: ratio, max-increase: "-10%"}', "`max-increase` is '-10%'. Expected a percentage such as `50%`"],
    ['- {name: e, kind: ratio, max-increase: 50}', "`max-increase` is '50'. Expected a percentage such as `50%`"],
    ['- {name: e, kind: value, max: abc}', "`max` is 'abc'. Expected a number"],
    ['- {name: e, kind: value, min: 5, max: 1}', '`min` is \'5\'. Expected a value at most `max` (1)'],
    ['- {name: e, kind: value, max: 1, direction: up}', "`direction` is 'up'. Expected one of `lower-is-better`, `higher-is-better`"],
    ['- {name: e, kind: value, max: 1, on-missing-data: skip}', "`on-missing-data` is 'skip'. Expected one of `inconclusive`, `fail`, `ignore`"],
    ['- {name: e, kind: value, max-increase: 150%, direction: higher-is-better}', 'less than 100% for a higher-is-better metric'],
    ['- {name: e, kind: value}', 'no bound to judge it by'],
    ['- {kind: value, max: 1}', 'item 1: `name` is missing. Expected letters, digits'],
    ['- {name: e, kind: value, max: 1, critical: maybe}', "`critical` is 'maybe'. Expected `true` or `false`"],
    ['- {name: e, kind: value, max: 1, namespace: A, metric: M, dimensions: {Version: [x]}}', "`dimensions.Version` is '[\"x\"]'. Expected a string"],
  ])('refuses %s', (yaml, message) => {
    expect(error(yaml)).toContain(message);
  });

  it('refuses an empty input', () => {
    expect(error('  ')).toBe('Invalid `metrics`: it is empty. Expected a YAML list of metrics, each with `name`, `kind` and bounds.');
  });

  it('names the input it was given', () => {
    expect(() => parseMetricSpecs('- {name: e, kind: x, max: 1}', 'analysis-metrics')).toThrow(/^Invalid `analysis-metrics`: metric 'e'/);
  });
});
