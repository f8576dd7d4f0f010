import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Measurement } from '../../shared/analysis/measurement.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import { containsSecret } from '../../shared/action/secrets.js';
import { connectProvider } from '../../shared/metrics/connect.js';
import { datadogBaseUrl } from '../../shared/metrics/datadog/index.js';
import { DatadogProvider } from '../../shared/metrics/datadog/measure.js';
import { getProviderSettings } from '../../shared/metrics/settings.js';
import { FakeDatadog, type DatadogAnswer, type DatadogRequest } from '../support/fake-datadog.js';

const keys = { api: 'dd-api-0123456789abcdef', app: 'dd-app-fedcba9876543210' };
const window = { start: 1_700_000_040, end: 1_700_000_100 };
const targets = { canary: 'canary', control: 'stable' };
const fast = { attempts: 3, firstDelayMs: 5 };

const specs = parseMetricSpecs(
  `
- name: error-rate
  kind: ratio
  query: sum:trace.http.request.errors{service:agent,version:{{target}}}.rollup(sum, {{interval}}).as_count()
  total: sum:trace.http.request.hits{service:agent,version:{{target}}}.rollup(sum, {{interval}}).as_count()
  max-increase: 50%
- name: p95-latency
  kind: value
  query: p95:trace.http.request.duration{service:agent,version:{{target}}}
  max: 0.5
`,
  'metrics',
  'datadog',
);
const [errorRate, latency] = specs;

/** The answers by what a request asks: hits and errors per version, latency per version. */
let answers: (r: DatadogRequest) => DatadogAnswer;
const fake = new FakeDatadog(keys, (r) => answers(r));
const provider = () => new DatadogProvider({ baseUrl: fake.url, apiKey: keys.api, appKey: keys.app, retry: fast });
const version = (r: DatadogRequest) => /version:([^}]*)\}/.exec(r.query)?.[1];

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  expect(fake.problems).toEqual([]); // every request was one Datadog would take
  fake.requests.length = 0;
});

function ratio(m: Measurement): { num: number; den: number } {
  if (m.status !== 'ok' || m.observation.kind !== 'ratio') throw new Error(`expected counts, got ${JSON.stringify(m)}`);
  return { num: m.observation.num, den: m.observation.den };
}

describe('Datadog provider against a fake that checks every request', () => {
  it('asks for each target\'s counts over exactly the interval, with both keys, and sums every point', async () => {
    answers = (r) => (r.query.includes('errors') ? { shape: 'points', values: version(r) === 'canary' ? [3, 2] : [1, 1] } : { shape: 'points', values: [500, 400] });
    const result = await provider().measure([errorRate], window, targets);
    expect(result.t).toBe(window.end);
    expect(ratio(result.metrics['error-rate'].canary)).toEqual({ num: 5, den: 900 });
    expect(ratio(result.metrics['error-rate'].control)).toEqual({ num: 2, den: 900 });
    expect(fake.requests).toHaveLength(4);
    for (const r of fake.requests) {
      expect(r).toMatchObject({ method: 'GET', path: '/api/v1/query', from: window.start, to: window.end });
      expect(r.headers).toMatchObject({ 'dd-api-key': keys.api, 'dd-application-key': keys.app, accept: 'application/json' });
    }
    expect(fake.requests.map((r) => r.query).sort()).toEqual([
      'sum:trace.http.request.errors{service:agent,version:canary}.rollup(sum, 60).as_count()',
      'sum:trace.http.request.errors{service:agent,version:stable}.rollup(sum, 60).as_count()',
      'sum:trace.http.request.hits{service:agent,version:canary}.rollup(sum, 60).as_count()',
      'sum:trace.http.request.hits{service:agent,version:stable}.rollup(sum, 60).as_count()',
    ]);
  });

  it('reads a value metric as one sample per series, the mean of its points (nulls left out)', async () => {
    answers = (r) => ({ shape: 'points', values: version(r) === 'canary' ? [0.3, 0.5] : [0.2, 0.2] });
    const result = await provider().measure([latency], window, targets);
    expect(result.metrics['p95-latency'].canary).toEqual({ status: 'ok', observation: { kind: 'value', samples: [0.4] } });
    expect(result.metrics['p95-latency'].control).toEqual({ status: 'ok', observation: { kind: 'value', samples: [0.2] } });
  });

  it('tells an empty series apart from a true zero and from zero traffic', async () => {
    // No error series but hits: a true zero. No hit series: empty. Hits of 0: no traffic.
    answers = (r) => (r.query.includes('errors') ? { shape: 'empty' } : version(r) === 'canary' ? { shape: 'points', values: [100, 50] } : { shape: 'empty' });
    let m = (await provider().measure([errorRate], window, targets)).metrics['error-rate'];
    expect(ratio(m.canary)).toEqual({ num: 0, den: 150 });
    expect(m.control).toEqual({ status: 'empty' });
    answers = (r) => (r.query.includes('errors') ? { shape: 'empty' } : { shape: 'points', values: [0, 0] });
    m = (await provider().measure([errorRate], window, targets)).metrics['error-rate'];
    expect(m.canary).toEqual({ status: 'no-traffic' });
    answers = () => ({ shape: 'empty' });
    expect((await provider().measure([latency], window, targets)).metrics['p95-latency'].canary).toEqual({ status: 'empty' });
  });

  it('reports a query Datadog rejects (400) as an error with its message, without retrying it', async () => {
    answers = () => ({ shape: 'bad-query' });
    const m = (await provider().measure([latency], window, targets)).metrics['p95-latency'].canary;
    expect(m.status).toBe('error');
    expect(m.status === 'error' && m.message).toMatch(/^Datadog refused the query p95:trace\.http\.request\.duration\{service:agent,version:canary\}: HTTP 400: Error parsing query/);
    expect(m.status === 'error' && m.message).not.toMatch(/attempts/);
    expect(fake.requests).toHaveLength(2); // one per target
  });

  it('retries a rate limit (429) and a gateway\'s HTML page, then reports an error naming the attempts', async () => {
    answers = (r) => (version(r) === 'canary' ? { shape: 'rate-limited' } : { shape: 'html-error' });
    const m = (await provider().measure([latency], window, targets)).metrics['p95-latency'];
    expect(m.canary.status === 'error' && m.canary.message).toMatch(/HTTP 429: Rate limit .* \(after 3 attempts\)$/);
    expect(m.control.status === 'error' && m.control.message).toMatch(/answered HTTP 502 with an HTML page .* \(after 3 attempts\)$/);
    expect(fake.requests).toHaveLength(6);
  });

  it('reports a query that ends in status "error" as an error, never as data', async () => {
    answers = () => ({ shape: 'status-error' });
    const m = (await provider().measure([latency], window, targets)).metrics['p95-latency'].canary;
    expect(m).toEqual({ status: 'error', message: expect.stringMatching(/Query timed out$/) });
  });

  it('with a wrong key, reports Datadog\'s 403 with a hint, and never shows the key', async () => {
    const wrong = new DatadogProvider({ baseUrl: fake.url, apiKey: 'dd-api-wrong-000000', appKey: keys.app, retry: fast });
    answers = () => ({ shape: 'empty' });
    const m = (await wrong.measure([latency], window, targets)).metrics['p95-latency'].canary;
    expect(m.status === 'error' && m.message).toMatch(/HTTP 403: Forbidden \(check DD_API_KEY, DD_APP_KEY/);
    expect(JSON.stringify(m)).not.toContain('dd-api-wrong');
    expect(fake.problems).toEqual([expect.stringContaining('wrong or missing keys'), expect.stringContaining('wrong or missing keys')]);
    fake.problems.length = 0;
  });

  it('refuses a target name that could not stand as a tag value rather than change the query', async () => {
    answers = () => ({ shape: 'empty' });
    const m = (await provider().measure([latency], window, { canary: 'canary,service:other', control: 'stable' })).metrics['p95-latency'];
    expect(m.canary).toEqual({ status: 'error', message: expect.stringContaining("The target name 'canary,service:other' cannot stand as a Datadog tag value") });
    expect(fake.requests.map(version)).toEqual(['stable']);
  });
});

describe('Datadog settings', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ['DD_API_KEY', 'DD_APP_KEY', 'INPUT_DATADOG-SITE']) delete process.env[key];
    Object.assign(process.env, { DD_API_KEY: saved.DD_API_KEY, DD_APP_KEY: saved.DD_APP_KEY });
    for (const key of ['DD_API_KEY', 'DD_APP_KEY']) if (process.env[key] === undefined || process.env[key] === 'undefined') delete process.env[key];
  });

  it('reads the keys from DD_API_KEY and DD_APP_KEY, masks them, and keeps them out of the settings', async () => {
    Object.assign(process.env, { DD_API_KEY: keys.api, DD_APP_KEY: keys.app, 'INPUT_DATADOG-SITE': fake.url });
    const settings = getProviderSettings('datadog', 60_000, 'to watch metrics');
    expect(settings).toEqual({ provider: 'datadog', inputs: { 'datadog-site': fake.url } });
    expect(containsSecret(`x ${keys.api} y`)).toBe(true);
    expect(containsSecret(`x ${keys.app} y`)).toBe(true);
    // The factory builds it from the registry, and it measures through the fake.
    answers = () => ({ shape: 'points', values: [0.1, 0.3] });
    const built = await connectProvider(settings);
    expect(built.name).toBe('datadog');
    expect((await built.measure([latency], window, targets)).metrics['p95-latency'].canary).toEqual({ status: 'ok', observation: { kind: 'value', samples: [0.2] } });
  });

  it('refuses a missing key naming the variables, and a site that is not Datadog\'s', () => {
    process.env.DD_API_KEY = keys.api;
    delete process.env.DD_APP_KEY;
    expect(() => getProviderSettings('datadog', 60_000, '(unless `replay` is set)')).toThrow('DD_APP_KEY must be set in the environment with `provider: datadog` (unless `replay` is set)');
    expect(() => datadogBaseUrl('datadog.com')).toThrow("Invalid `datadog-site`: 'datadog.com'. Expected a Datadog site such as `datadoghq.com`");
    expect(() => datadogBaseUrl('https://user:pw@proxy.example.com')).toThrow('Expected a base URL with no query string and no credentials');
  });

  it('turns a site into its API\'s base URL', () => {
    expect(datadogBaseUrl('datadoghq.com')).toBe('https://api.datadoghq.com');
    expect(datadogBaseUrl('app.datadoghq.com')).toBe('https://api.datadoghq.com');
    expect(datadogBaseUrl('us5.datadoghq.com')).toBe('https://api.us5.datadoghq.com');
    expect(datadogBaseUrl('datadoghq.eu')).toBe('https://api.datadoghq.eu');
    expect(datadogBaseUrl('https://dd-proxy.corp.example/datadog/')).toBe('https://dd-proxy.corp.example/datadog');
  });
});
