import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { run } from '../../actions/monitor-canary/main.js';
import { runInProcess } from '../support/run-step.js';

const metrics = `
- name: error-rate
  kind: ratio
  query: sum(increase(http_requests_total{version="{{target}}",code=~"5.."}[{{interval}}]))
  total: sum(increase(http_requests_total{version="{{target}}"}[{{interval}}]))
  max-increase: 50%
`;
const base = { deployment: 'agent', metrics, 'prometheus-url': 'http://127.0.0.1:9' };

async function errorFor(inputs: Record<string, string>): Promise<string> {
  const r = await runInProcess(run, { ...base, ...inputs });
  expect(r.failed).toBe(true);
  expect(r.errors).toHaveLength(1);
  return r.errors[0];
}

describe('monitor-canary refuses bad inputs with one clear error, before touching anything', () => {
  it.each([
    ['malformed YAML', { metrics: '- name: x\n  kind: [ratio' }, /^Invalid `metrics`: not valid YAML/],
    ['an unknown kind', { metrics: metrics.replace('kind: ratio', 'kind: gauge') }, /^Invalid `metrics`: metric 'error-rate'.*`kind` is 'gauge'. Expected one of `ratio`, `value`, `histogram`/],
    ['an unknown stat', { provider: 'cloudwatch', 'aws-region': 'us-east-1', metrics: '- name: p\n  kind: value\n  namespace: A\n  metric: T\n  dimensions: {Version: "{{target}}"}\n  stat: p95x\n  max: 5' }, /`stat` is 'p95x'/],
    ['an unknown provider', { provider: 'influxdb' }, /^Invalid `provider`: 'influxdb'. Expected one of `prometheus`, `cloudwatch`, `datadog`/],
    ['Datadog without its keys in the environment', { provider: 'datadog', metrics: '- {name: p, kind: value, query: "p95:lat{version:{{target}}}", max: 1}' }, /^DD_API_KEY and DD_APP_KEY must be set in the environment with `provider: datadog`/],
    ['a Datadog site that is not one', { provider: 'datadog', 'datadog-site': 'datadog.com', metrics: '- {name: p, kind: value, query: "p95:lat{version:{{target}}}", max: 1}' }, /^Invalid `datadog-site`: 'datadog.com'/],
    ['a query with no {{target}}', { metrics: metrics.replace('version="{{target}}",code', 'code') }, /`query` is .*Expected a query containing `\{\{target\}\}`/],
    ['a zero interval', { interval: '0s' }, /^Invalid `interval`: '0s'. Expected a positive duration/],
    ['a negative step duration', { 'step-duration': '-5m' }, /^Invalid `step-duration`: '-5m'. Expected a positive duration/],
    ['a step duration shorter than the interval', { interval: '5m', 'step-duration': '1m' }, /^Invalid `step-duration`: '1m'. Expected a duration at least as long as `interval`/],
    ['steps not increasing', { steps: '10,50,25' }, /^Invalid `steps`: '10,50,25'. Expected canary weights.*25 does not come after 50/],
    ['a step above 100', { steps: '10,150' }, /^Invalid `steps`: '10,150'.*'150' is not one/],
    ['a zero step', { steps: '0,50' }, /^Invalid `steps`: '0,50'/],
    ['a step of 100 when a metric has max-increase (stable gets no traffic there)', { steps: '10,50,100' }, /^Invalid `steps`: '10,50,100'. Expected weights below 100 when a metric has `max-increase` \(at 100 stable gets no traffic, so 'error-rate' could not be compared with it\)/],
    ['an unknown missing-data policy', { 'on-missing-data': 'pass' }, /^Invalid `on-missing-data`: 'pass'/],
    ['a negative failure limit', { 'failure-limit': '-1' }, /^Invalid `failure-limit`: '-1'. Expected an integer at least 0/],
    ['no prometheus-url with provider prometheus', { 'prometheus-url': '' }, /`prometheus-url` is required with `provider: prometheus`/],
    ['a prometheus-url that is not a URL', { 'prometheus-url': 'prometheus:9090/x?y' }, /^Invalid `prometheus-url`/],
    ['no deployment in live mode', { deployment: '' }, /Input `deployment` is required/],
    ['CloudWatch with an interval of seconds', { provider: 'cloudwatch', 'aws-region': 'us-east-1', interval: '30s', metrics: '- name: p\n  kind: value\n  namespace: A\n  metric: T\n  dimensions: {Version: "{{target}}"}\n  max: 5' }, /^Invalid `interval`: '30s'. Expected a whole number of minutes/],
    ['an unknown target role', { 'target-names': 'prod=v1' }, /^Invalid `target-names`: 'prod=v1'/],
    ['a hook of another action\'s stage', { hooks: 'pre-traffic:\n  - {kind: http, url: "https://x.example/"}' }, /^Invalid `hooks`: `pre-traffic` hooks run in canary-deploy, not in this action. Expected `during`/],
    ['a hook of an unknown kind', { hooks: 'during:\n  - {name: load, kind: shell}' }, /^Invalid `hooks`: .*load.*`kind`/],
    ['a Job hook whose manifest is missing', { hooks: 'during:\n  - {name: load, kind: job, manifest: no/such-job.yaml}' }, /^Invalid `hooks`: .*no\/such-job.yaml/],
  ])('%s', async (_what, inputs, expected) => {
    expect(await errorFor(inputs)).toMatch(expected);
  });
});

describe('monitor-canary allows a step of 100 when nothing is compared with stable', () => {
  it('takes `steps: 10,50,100` with absolute bounds only (and goes on to check the provider)', async () => {
    const absolute = metrics.replace('max-increase: 50%', 'max: 0.05');
    expect(await errorFor({ metrics: absolute, steps: '10,50,100' })).toMatch(/^Invalid `prometheus-url`: 'http:\/\/127.0.0.1:9'/);
  });
});

describe('monitor-canary checks prometheus-url before any traffic moves', () => {
  let html: Server;
  let htmlUrl: string;
  beforeAll(async () => {
    html = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Grafana</title>');
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    htmlUrl = `http://127.0.0.1:${(html.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => html.close(() => resolve())));

  it('says a URL that refuses connections is not a Prometheus API', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await errorFor({ 'prometheus-url': url })).toMatch(/^Invalid `prometheus-url`: 'http:\/\/127.0.0.1:\d+'. Expected the base URL of a Prometheus HTTP API .*connection refused/);
  });

  it('says a URL that answers with an HTML page is not a Prometheus API', async () => {
    expect(await errorFor({ 'prometheus-url': htmlUrl })).toMatch(/^Invalid `prometheus-url`: .*HTML page instead of the query API's JSON/);
  });
});
