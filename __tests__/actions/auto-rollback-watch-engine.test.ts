import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseMetricSpecs } from '../../shared/analysis/index.js';
import { watchMetrics, type WatchDeps } from '../../shared/analysis/watch.js';
import { PrometheusProvider } from '../../shared/metrics/prometheus/measure.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { alignedNow, counter, pushHistory, uniqueApp } from '../metrics/support/prometheus-history.js';

// The watch's rules on the real Prometheus and the real engine, over a backfilled hour: the clock is the
// history's (each wait moves it one 1-minute interval on), so a 20-minute watch takes a second.
const MINUTE = 60_000;
const app = uniqueApp('watch');
const end = alignedNow();
const from = end - 3600;
let url: string;

const specs = parseMetricSpecs(
  `- name: error-rate
  kind: ratio
  query: sum(increase(http_requests_total{app="${app}",version="{{target}}",code="500"}[{{interval}}]))
  total: sum(increase(http_requests_total{app="${app}",version="{{target}}"}[{{interval}}]))
  max: 0.05`,
  'metrics',
  'prometheus',
);

function deps(released: string, provider = new PrometheusProvider({ url, retry: { attempts: 1, firstDelayMs: 1 } }), lines: string[] = []): WatchDeps {
  let clock = (from + 120) * 1000;
  return {
    provider,
    specs,
    targets: { canary: released, control: '1.0.0' },
    options: { falseAlarmRate: 0.01 },
    log: (line) => lines.push(line),
    now: () => clock,
    wait: async () => void (clock += MINUTE),
  };
}

beforeAll(async () => {
  url = await prometheusUrl();
  const per = (version: string, code: string, n: (t: number) => number) => counter({ __name__: 'http_requests_total', app, version, code }, from, end, n);
  const late = from + 120 + 10 * 60; // 10 good minutes into the watch, then 30% errors
  await pushHistory(url, [
    per('1.0.0', '200', () => 990),
    per('1.0.0', '500', () => 10),
    per('good', '200', () => 990),
    per('good', '500', () => 10),
    per('late', '200', (t) => (t < late ? 990 : 700)),
    per('late', '500', (t) => (t < late ? 10 : 300)),
  ]);
});

describe('watch after a release (shared/analysis/watch)', () => {
  it('does not pass early: a healthy release is watched for every interval, then passes', async () => {
    const lines: string[] = [];
    const result = await watchMetrics({ durationMs: 20 * MINUTE, intervalMs: MINUTE }, deps('good', undefined, lines));
    expect(result.verdict).toBe('pass');
    expect(result.intervals).toBe(20);
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatch(/^interval 1: error-rate 1% vs /);
  });

  it('catches a regression that starts late in the watch, after many good intervals', async () => {
    const result = await watchMetrics({ durationMs: 20 * MINUTE, intervalMs: MINUTE }, deps('late'));
    expect(result.verdict).toBe('fail');
    expect(result.intervals).toBeGreaterThan(10);
    expect(result.intervals).toBeLessThan(20);
    expect(result.reason).toMatch(/^error-rate: canary .* vs max 5%: wholly above it/);
  });

  it('never fails on provider errors (a Prometheus outage must not roll a release back), and never passes on them', async () => {
    const down = new PrometheusProvider({ url: 'http://127.0.0.1:9', retry: { attempts: 1, firstDelayMs: 1 } });
    const result = await watchMetrics({ durationMs: 8 * MINUTE, intervalMs: MINUTE }, deps('good', down));
    expect(result.verdict).toBe('inconclusive');
    expect(result.intervals).toBe(8);
    expect(result.noData).toBe(true);
    expect(result.reason).toMatch(/^error-rate: no evidence after 8 intervals \(8 with provider errors\)/);
  });

  it('stops at once, mid-interval, when cancelled', async () => {
    const controller = new AbortController();
    const d = { ...deps('good'), wait: undefined, signal: controller.signal }; // the real one-minute sleep
    setTimeout(() => controller.abort(new Error('Cancelled by SIGTERM')), 50);
    await expect(watchMetrics({ durationMs: 5 * MINUTE, intervalMs: MINUTE }, d)).rejects.toThrow('Cancelled by SIGTERM');
  });
});
