import { beforeAll, describe, expect, it } from '@jest/globals';
import { Assessment } from '../../shared/analysis/assessment.js';
import { quantileOf } from '../../shared/analysis/histogram.js';
import type { Measurement } from '../../shared/analysis/measurement.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import { queryInstant } from '../../shared/metrics/prometheus/api.js';
import { PrometheusProvider } from '../../shared/metrics/prometheus/measure.js';
import { prometheusUrl } from './support/servers.js';
import { alignedNow, counter, pushHistory, STEP, uniqueApp, type Series } from './support/prometheus-history.js';

// Request latency histograms backfilled into the sandbox's real Prometheus, scraped every 15 s: 1,200 requests a
// minute, 10% to the canary. Latencies are lognormal (median 200 ms, sigma 0.5); a "slow" canary's are 1.5x, so its
// p95 is 1.5x stable's. The counts per scrape are the expected ones (no randomness): what is checked is the reading.
const app = uniqueApp('hist');
const end = alignedNow();
const from = end - 1800;
const BUCKETS = [0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2.5, 5];
let url: string;

/** The standard normal CDF (Abramowitz & Stegun 26.2.17: error < 7.5e-8, plenty for expected counts). */
function phi(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989423 * Math.exp(-(z ** 2) / 2);
  const p = d * t * (0.3193815 + t * (-0.3565638 + t * (1.781478 + t * (-1.821256 + t * 1.330274))));
  return z > 0 ? 1 - p : p;
}

/** The cumulative bucket counters of one version: `perStep` requests every scrape, latencies lognormal around `median`. */
function histogram(version: string, perStep: number, median: number): Series[] {
  const les = [...BUCKETS.map(String), '+Inf'];
  return les.map((le) => {
    const share = le === '+Inf' ? 1 : phi(Math.log(Number(le) / median) / 0.5);
    return counter({ __name__: 'http_request_duration_seconds_bucket', app, version, le }, from, end, () => Math.round(perStep * share));
  });
}

const [p95] = parseMetricSpecs(
  `- name: p95-latency
  kind: histogram
  quantile: 0.95
  query: sum by (le) (increase(http_request_duration_seconds_bucket{app="${app}",version="{{target}}"}[{{interval}}]))
  max-increase: 25%`,
  'metrics',
  'prometheus',
);

const provider = () => new PrometheusProvider({ url, retry: { attempts: 2, firstDelayMs: 10 } });
const histogramOf = (m: Measurement) => {
  if (m.status !== 'ok' || m.observation.kind !== 'histogram') throw new Error(`expected bucket counts, got ${JSON.stringify(m)}`);
  return m.observation;
};

beforeAll(async () => {
  url = await prometheusUrl();
  const perStep = 1200 / (60 / STEP);
  await pushHistory(url, [...histogram('stable', perStep * 0.9, 0.2), ...histogram('slow', perStep * 0.1, 0.3), ...histogram('same', perStep * 0.1, 0.2)]);
});

describe('histogram metrics against a real Prometheus', () => {
  it('reads the bucket counts by le of each target over the interval, cumulative, +Inf last', async () => {
    const { metrics } = await provider().measure([p95], { start: end - 60, end }, { canary: 'slow', control: 'stable' });
    const canary = histogramOf(metrics['p95-latency'].canary);
    const control = histogramOf(metrics['p95-latency'].control);
    expect(canary.bounds).toEqual([...BUCKETS, Infinity]);
    expect(canary.counts[canary.counts.length - 1]).toBeCloseTo(120, -1);
    expect(control.counts[control.counts.length - 1]).toBeCloseTo(1080, -1);
    for (const h of [canary, control]) for (let i = 1; i < h.counts.length; i++) expect(h.counts[i]).toBeGreaterThanOrEqual(h.counts[i - 1]);
  });

  it('gives the quantile Prometheus\' own histogram_quantile gives for the same buckets', async () => {
    const { metrics } = await provider().measure([p95], { start: end - 60, end }, { canary: 'slow', control: 'stable' });
    const [theirs] = await queryInstant(url, `histogram_quantile(0.95, sum by (le) (increase(http_request_duration_seconds_bucket{app="${app}",version="slow"}[60s])))`, end);
    expect(quantileOf(histogramOf(metrics['p95-latency'].canary), 0.95)).toBeCloseTo(theirs.value, 9);
  });

  it('fails a canary whose p95 is 1.5x stable\'s by the 2nd interval, and does not fail one like stable', async () => {
    const judge = async (canary: string) => {
      const a = new Assessment([p95], { falseAlarmRate: 0.01, horizon: 10 });
      for (let i = 9; i >= 0 && !a.current.decided; i--) {
        a.add(await provider().measure([p95], { start: end - 60 * (i + 1), end: end - 60 * i }, { canary, control: 'stable' }));
      }
      return a.current;
    };
    const slow = await judge('slow');
    expect(slow).toMatchObject({ decided: true, verdict: 'fail' });
    expect(slow.intervals).toBeLessThanOrEqual(2);
    expect(slow.reason).toMatch(/^p95-latency: canary 0\.\d+ vs control 0\.\d+; ratio ×1\.\d+/);
    expect((await judge('same')).verdict).not.toBe('fail');
  });

  it('reports a query that does not return buckets by le as an error saying what it must return', async () => {
    const [flat] = parseMetricSpecs(`- {name: p95-latency, kind: histogram, quantile: 0.95, max: 1, query: 'sum(increase(http_request_duration_seconds_bucket{app="${app}",version="{{target}}"}[{{interval}}]))'}`, 'metrics', 'prometheus');
    const { metrics } = await provider().measure([flat], { start: end - 60, end }, { canary: 'slow', control: 'stable' });
    expect(metrics['p95-latency'].canary).toEqual({ status: 'error', message: expect.stringContaining('a histogram metric needs bucket counts by `le`') });
  });
});
