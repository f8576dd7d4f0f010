import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Measurement } from '../../shared/analysis/measurement.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import type { PrometheusSource } from '../../shared/metrics/prometheus/index.js';
import { PrometheusProvider } from '../../shared/metrics/prometheus/measure.js';
import { prometheusUrl } from './support/servers.js';
import { alignedNow, counter, gauge, pushHistory, STEP, uniqueApp, type Series } from './support/prometheus-history.js';

const INTERVAL = 300;
const app = uniqueApp();
const end = alignedNow();
const from = end - 1800;
const fast = { attempts: 3, firstDelayMs: 10 };
let url: string;

const requests = (version: string, code: string, perStep: (t: number) => number): Series =>
  counter({ __name__: 'http_requests_total', app, version, code }, from, end, perStep);

/** Histories of canaries that are good, bad, flaky (a spike in one window), empty, idle, and error-free. */
function histories(): Series[] {
  const spike = (t: number) => t >= end - 2 * INTERVAL && t < end - INTERVAL;
  return [
    requests('stable', '200', () => 99), requests('stable', '500', () => 1),
    requests('good', '200', () => 99), requests('good', '500', () => 1),
    requests('bad', '200', () => 90), requests('bad', '500', () => 10),
    requests('flaky', '200', (t) => (spike(t) ? 70 : 99)), requests('flaky', '500', (t) => (spike(t) ? 30 : 1)),
    requests('idle', '200', () => 0),
    requests('clean', '200', () => 100),
    requests('we"ird', '200', () => 50), requests('we"ird', '500', () => 50),
    gauge({ __name__: 'latency_p95_ms', app, version: 'stable', pod: 'a' }, from, end, () => 200),
    gauge({ __name__: 'latency_p95_ms', app, version: 'stable', pod: 'b' }, from, end, () => 220),
    gauge({ __name__: 'latency_p95_ms', app, version: 'bad', pod: 'a' }, from, end, () => 900),
    ...['0.1', '+Inf'].map((le) => counter({ __name__: 'req_seconds_bucket', app, version: 'idle', le }, from, end, () => 0)),
  ];
}

const errorRate: MetricSpec = {
  name: 'error-rate',
  kind: 'ratio',
  direction: 'lower-is-better',
  source: {
    provider: 'prometheus',
    query: `sum(increase(http_requests_total{app="${app}",version="{{target}}",code=~"5.."}[{{interval}}]))`,
    total: `sum(increase(http_requests_total{app="${app}",version="{{ target }}"}[{{interval}}]))`,
  },
};
const latency: MetricSpec = { name: 'latency', kind: 'value', direction: 'lower-is-better', source: { provider: 'prometheus', query: `latency_p95_ms{app="${app}",version="{{target}}"}` } };
const quantile: MetricSpec = {
  name: 'p95',
  kind: 'value',
  direction: 'lower-is-better',
  source: { provider: 'prometheus', query: `histogram_quantile(0.95, sum by (le) (increase(req_seconds_bucket{app="${app}",version="{{target}}"}[{{interval}}])))` },
};

async function measure(spec: MetricSpec, canary: string, at = end, provider = new PrometheusProvider({ url, retry: fast })) {
  const result = await provider.measure([spec], { start: at - INTERVAL, end: at }, { canary, control: 'stable' });
  expect(result.t).toBe(at);
  return result.metrics[spec.name];
}

function ratio(m: Measurement): { num: number; den: number } {
  if (m.status !== 'ok' || m.observation.kind !== 'ratio') throw new Error(`expected ratio counts, got ${JSON.stringify(m)}`);
  return m.observation;
}

beforeAll(async () => {
  url = await prometheusUrl();
  await pushHistory(url, histories());
});

describe('Prometheus provider against a real Prometheus', () => {
  it('returns error and request counts over the interval for a good canary and its control', async () => {
    const { canary, control } = await measure(errorRate, 'good');
    const steps = INTERVAL / STEP;
    expect(ratio(canary).den).toBeCloseTo(100 * steps, -1);
    expect(ratio(canary).num).toBeCloseTo(steps, 0);
    expect(ratio(control).den).toBeCloseTo(100 * steps, -1);
  });

  it('shows a bad canary with ten times the errors of its control', async () => {
    const { canary, control } = await measure(errorRate, 'bad');
    expect(ratio(canary).num / ratio(canary).den).toBeCloseTo(0.1, 2);
    expect(ratio(control).num / ratio(control).den).toBeCloseTo(0.01, 2);
  });

  it('evaluates at the interval end it is given (time=): a flaky spike shows in its window only', async () => {
    const during = ratio((await measure(errorRate, 'flaky', end - INTERVAL)).canary);
    const after = ratio((await measure(errorRate, 'flaky', end)).canary);
    expect(during.num / during.den).toBeCloseTo(0.3, 1);
    expect(after.num / after.den).toBeCloseTo(0.01, 2);
  });

  it('reports a canary without any series as empty, not as zero', async () => {
    const { canary, control } = await measure(errorRate, 'missing');
    expect(canary).toEqual({ status: 'empty' });
    expect(control.status).toBe('ok');
  });

  it('reports a canary whose request counter did not move as no-traffic', async () => {
    expect((await measure(errorRate, 'idle')).canary).toEqual({ status: 'no-traffic' });
  });

  it('reports a canary that served requests and has no error series as a true zero', async () => {
    const counts = ratio((await measure(errorRate, 'clean')).canary);
    expect(counts.num).toBe(0);
    expect(counts.den).toBeGreaterThan(0);
  });

  it('turns a rate() query into counts by multiplying by the interval', async () => {
    const source = errorRate.source as PrometheusSource;
    const rateSpec: MetricSpec = { ...errorRate, source: { ...source, query: source.query.replace('increase', 'rate'), total: source.total!.replace('increase', 'rate') } };
    const fromRate = ratio((await measure(rateSpec, 'good')).canary);
    const fromIncrease = ratio((await measure(errorRate, 'good')).canary);
    expect(fromRate.den).toBeCloseTo(fromIncrease.den, 0);
  });

  it('escapes a target name holding a quote so the query still selects its series', async () => {
    const counts = ratio((await measure(errorRate, 'we"ird')).canary);
    expect(counts.num / counts.den).toBeCloseTo(0.5, 2);
  });

  it('returns one sample per series for value metrics', async () => {
    const { canary, control } = await measure(latency, 'bad');
    expect(canary).toEqual({ status: 'ok', observation: { kind: 'value', samples: [900] } });
    expect(control.status === 'ok' && [...(control.observation as { samples: number[] }).samples].sort()).toEqual([200, 220]);
  });

  it('reports a quantile over no requests (NaN) as no-traffic and a missing series as empty', async () => {
    const { canary, control } = await measure(quantile, 'idle');
    expect(canary).toEqual({ status: 'no-traffic' });
    expect(control).toEqual({ status: 'empty' });
  });

  it('reports a query Prometheus rejects as an error without retrying it', async () => {
    const broken: MetricSpec = { ...latency, source: { provider: 'prometheus', query: 'sum(rate(x{version="{{target}}"}[5m])' } };
    const { canary } = await measure(broken, 'good');
    expect(canary.status).toBe('error');
    expect(canary.status === 'error' && canary.message).toMatch(/bad_data/);
    expect(canary.status === 'error' && canary.message).not.toMatch(/attempts/);
  });
});

describe('Prometheus provider when the server misbehaves', () => {
  let proxy: Server;
  let proxyUrl: string;
  let mode: 'html' | 'fail-once' = 'html';
  let requestsSeen = 0;

  beforeAll(async () => {
    // A recording proxy in front of the real Prometheus: it answers with a login page, or fails once then forwards.
    proxy = createServer(async (req, res) => {
      requestsSeen++;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (mode === 'html' || requestsSeen === 1) {
        res.writeHead(mode === 'html' ? 200 : 503, { 'content-type': 'text/html' });
        res.end('<html><body>Sign in</body></html>');
        return;
      }
      const upstream = await fetch(`${url}${req.url}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type']) }, body: Buffer.concat(chunks) });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(await upstream.text());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  it('retries an HTML answer with bounded attempts, then reports an error, never health', async () => {
    mode = 'html';
    requestsSeen = 0;
    const { canary } = await measure(latency, 'bad', end, new PrometheusProvider({ url: proxyUrl, retry: fast }));
    expect(canary.status).toBe('error');
    expect(canary.status === 'error' && canary.message).toMatch(/HTML page .*after 3 attempts/);
    expect(requestsSeen).toBe(2 * 3);
  });

  it('recovers from one failed request by retrying', async () => {
    mode = 'fail-once';
    requestsSeen = 0;
    const { canary } = await measure(latency, 'bad', end, new PrometheusProvider({ url: proxyUrl, retry: { attempts: 3, firstDelayMs: 1 } }));
    expect(canary).toEqual({ status: 'ok', observation: { kind: 'value', samples: [900] } });
  });

  it('reports a refused connection as an error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { canary, control } = await measure(errorRate, 'good', end, new PrometheusProvider({ url: `http://127.0.0.1:${port}`, retry: fast }));
    expect(canary.status === 'error' && canary.message).toMatch(/connection refused/);
    expect(control.status).toBe('error');
  });
});
