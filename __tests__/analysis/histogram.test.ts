import { describe, expect, it } from '@jest/globals';
import { addHistograms, countAtMost, countAtMostRange, quantileOf, type Histogram } from '../../shared/analysis/histogram.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import { parseTrace } from '../../shared/analysis/trace.js';
import { ConfigurationError } from '../../shared/errors.js';

const h = (bounds: number[], counts: number[]): Histogram => ({ kind: 'histogram', bounds, counts });
// 100 requests: 10 up to 0.1 s, 60 up to 0.25 s, 90 up to 0.5 s, 98 up to 1 s, 100 in all.
const latencies = h([0.1, 0.25, 0.5, 1, Infinity], [10, 60, 90, 98, 100]);

describe('histogram buckets', () => {
  it('give the quantile as Prometheus\' histogram_quantile does (linear inside the bucket, the top finite bound in +Inf)', () => {
    expect(quantileOf(latencies, 0.5)).toBeCloseTo(0.1 + 0.15 * (40 / 50), 12); // rank 50 in (0.1, 0.25]
    expect(quantileOf(latencies, 0.95)).toBeCloseTo(0.5 + 0.5 * (5 / 8), 12); // rank 95 in (0.5, 1]
    expect(quantileOf(latencies, 0.05)).toBeCloseTo(0.05, 12); // the first bucket starts at 0
    expect(quantileOf(latencies, 0.995)).toBe(1); // rank 99.5 falls in +Inf
    expect(quantileOf(h([0.1, Infinity], [0, 0]), 0.95)).toBeUndefined();
  });

  it('count the requests at most a latency, interpolated, and the range that needs no interpolation', () => {
    expect(countAtMost(latencies, 0.25)).toBe(60);
    expect(countAtMost(latencies, 0.375)).toBeCloseTo(75, 12);
    expect(countAtMost(latencies, 5)).toBe(98); // past the top finite bound: +Inf's requests count as slower
    expect(countAtMostRange(latencies, 0.375)).toEqual([60, 90]);
    expect(countAtMostRange(latencies, 0.5)).toEqual([90, 90]);
    expect(countAtMostRange(latencies, 5)).toEqual([98, 100]); // in +Inf: at most 5 s or not, no one knows
  });

  it('add up interval by interval, reading a histogram with other buckets at the first one\'s bounds', () => {
    expect(addHistograms(latencies, latencies).counts).toEqual([20, 120, 180, 196, 200]);
    expect(addHistograms(latencies, h([0.5, Infinity], [50, 60])).counts).toEqual([20, 85, 140, 148, 160]);
  });
});

describe('histogram metrics in the metrics input and in replay traces', () => {
  const spec = `- name: p95
  kind: histogram
  quantile: 0.95
  query: sum by (le) (increase(http_request_duration_seconds_bucket{version="{{target}}"}[{{interval}}]))
  max: 0.5
  max-increase: 25%`;

  it('reads a histogram metric with its quantile', () => {
    const [s] = parseMetricSpecs(spec, 'metrics', 'prometheus');
    expect(s).toMatchObject({ name: 'p95', kind: 'histogram', quantile: 0.95, max: 0.5, maxIncrease: 0.25, source: { provider: 'prometheus' } });
  });

  it.each([
    [spec.replace('  quantile: 0.95\n', ''), 'prometheus', "metric 'p95' (item 1): `quantile` is missing. Expected the quantile its bounds are on, such as `quantile: 0.95`"],
    [spec.replace('quantile: 0.95', 'quantile: 95'), 'prometheus', "`quantile` is '95'. Expected a quantile between 0 and 1, such as 0.95 for the p95"],
    [spec.replace('kind: histogram', 'kind: value'), 'prometheus', "`quantile` is '0.95'. Expected no `quantile` unless `kind: histogram`"],
    [`${spec}\n  stat: p95`, undefined, "`stat` is 'p95'. Expected no `stat` for a histogram metric"],
    ['- {name: p95, kind: histogram, quantile: 0.95, max: 1, namespace: A, metric: L, dimensions: {V: "{{target}}"}}', 'cloudwatch', "`kind` is 'histogram'. Expected `ratio` or `value` with provider cloudwatch"],
  ] as const)('refuses %#: %s', (yaml, provider, message) => {
    expect(() => parseMetricSpecs(yaml, 'metrics', provider)).toThrow(message);
  });

  const specs = parseMetricSpecs('- {name: p95, kind: histogram, quantile: 0.95, max: 0.5}');
  const trace = (canary: unknown) => ({ interval: '1m', metrics: { p95: { canary: [{ t: 60, ...(canary as object) }], control: [{ t: 60, buckets: null }] } } });

  it('reads cumulative buckets by le in a trace: counts, an empty series, no traffic', () => {
    const parsed = parseTrace(trace({ buckets: { '0.25': 40, '0.1': 12, '+Inf': 57 } }), specs);
    expect(parsed.intervals[0].metrics.p95).toEqual({
      canary: { status: 'ok', observation: { kind: 'histogram', bounds: [0.1, 0.25, Infinity], counts: [12, 40, 57] } },
      control: { status: 'empty' },
    });
    expect(parseTrace(trace({ buckets: { '0.1': 0, '+Inf': 0 } }), specs).intervals[0].metrics.p95.canary).toEqual({ status: 'no-traffic' });
  });

  it.each([
    [{ buckets: { '0.1': 12, '0.25': 40 } }, 'metrics.p95.canary[0]: no "+Inf" bucket'],
    [{ buckets: { '0.1': 12, '0.25': 4, '+Inf': 57 } }, "bucket `0.25` (4) holds fewer than `0.1` (12). Expected cumulative counts, as Prometheus gives them"],
    [{ buckets: { fast: 1, '+Inf': 2 } }, 'bucket `fast` is not an upper bound'],
    [{ v: 212 }, "has `v` but 'p95' is a histogram metric"],
  ])('refuses a malformed histogram entry %#', (entry, message) => {
    expect(() => parseTrace(trace(entry), specs)).toThrow(ConfigurationError);
    expect(() => parseTrace(trace(entry), specs)).toThrow(message);
  });
});
