import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { CloudWatchClient, PutMetricDataCommand, type GetMetricDataCommandInput, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { CloudWatchProvider, type CloudWatchSender } from '../../shared/metrics/cloudwatch/measure.js';
import { createCloudWatchClient } from '../../shared/metrics/cloudwatch/client.js';
import { awsEndpointUrl } from './support/servers.js';

const run = randomBytes(4).toString('hex');
const namespace = `MC/Test-${run}`;
// moto ignores the namespace when dimensions are given, so versions are unique per run too.
const v = (version: string) => `${version}-${run}`;
const end = Math.floor(Date.now() / 60_000) * 60 - 180;
const window = { start: end - 300, end };
const fast = { attempts: 3, firstDelayMs: 10 };
let endpoint: string;

const dimensions = { Version: '{{target}}' };
const errorRate: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', source: { provider: 'cloudwatch', namespace, metric: 'Errors', total: 'Requests', dimensions, stat: 'Sum' } };
const latency: MetricSpec = { name: 'latency', kind: 'value', direction: 'lower-is-better', stat: 'Maximum', source: { provider: 'cloudwatch', namespace, metric: 'ResponseTime', dimensions, stat: 'Maximum' } };
const p95: MetricSpec = { ...latency, name: 'p95-latency', stat: 'p95', source: { provider: 'cloudwatch', namespace, metric: 'ResponseTime', dimensions, stat: 'p95' } };

/** A client that records every GetMetricData input it sends, through the SDK's middleware stack. */
async function recordingClient(url = endpoint): Promise<{ client: CloudWatchClient; calls: GetMetricDataCommandInput[] }> {
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
  const client = await createCloudWatchClient('us-east-1', url);
  const calls: GetMetricDataCommandInput[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetMetricDataCommand') calls.push(args.input as GetMetricDataCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordGetMetricData' },
  );
  return { client, calls };
}

/** Backdated datapoints, one a minute inside the window, per version. */
function datapoints(): MetricDatum[] {
  const data: MetricDatum[] = [];
  const at = (i: number) => new Date((window.start + 30 + 60 * i) * 1000);
  const per = (version: string, metric: string, value: (i: number) => number) =>
    [0, 1, 2, 3, 4].map((i) => ({ MetricName: metric, Dimensions: [{ Name: 'Version', Value: v(version) }], Timestamp: at(i), Value: value(i), Unit: 'None' as const }));
  data.push(...per('stable', 'Requests', () => 100), ...per('stable', 'Errors', () => 1), ...per('stable', 'ResponseTime', (i) => 200 + i));
  data.push(...per('bad', 'Requests', () => 100), ...per('bad', 'Errors', () => 10), ...per('bad', 'ResponseTime', (i) => 900 + i));
  data.push(...per('clean', 'Requests', () => 100));
  data.push(...per('idle', 'Requests', () => 0));
  return data;
}

beforeAll(async () => {
  endpoint = await awsEndpointUrl();
  const { client } = await recordingClient();
  const data = datapoints();
  for (let i = 0; i < data.length; i += 20) await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data.slice(i, i + 20) }));
});

describe('CloudWatch provider against moto_server', () => {
  it('reads every metric for canary and control in one GetMetricData call per interval', async () => {
    const { client, calls } = await recordingClient();
    const provider = new CloudWatchProvider(client, fast);
    const result = await provider.measure([errorRate, latency], window, { canary: v('bad'), control: v('stable') });
    expect(calls).toHaveLength(1);
    expect(calls[0].MetricDataQueries).toHaveLength(2 * 2 + 2);
    expect(result.metrics['error-rate'].canary).toEqual({ status: 'ok', observation: { kind: 'ratio', num: 50, den: 500 } });
    expect(result.metrics['error-rate'].control).toEqual({ status: 'ok', observation: { kind: 'ratio', num: 5, den: 500 } });
    expect(result.metrics.latency.canary).toEqual({ status: 'ok', observation: { kind: 'value', samples: [904] } });
    await provider.measure([errorRate, latency], { start: window.start - 300, end: window.start }, { canary: v('bad'), control: v('stable') });
    expect(calls).toHaveLength(2);
  });

  it('asks for percentiles by their CloudWatch name, and a server failure on them is an error, never health', async () => {
    const { client, calls } = await recordingClient();
    const result = await new CloudWatchProvider(client, fast).measure([p95], window, { canary: v('bad'), control: v('stable') });
    expect(calls[0].MetricDataQueries?.map((q) => q.MetricStat?.Stat)).toEqual(['p95', 'p95']);
    expect(calls[0].MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions).toEqual([{ Name: 'Version', Value: v('bad') }]);
    // moto 5.2 computes no percentiles and answers HTTP 500 with an HTML page: that must not become health.
    expect(result.metrics['p95-latency'].canary.status).toBe('error');
    expect(result.metrics['p95-latency'].control.status).toBe('error');
  });

  it('tells a missing canary (empty), an idle one (no-traffic) and an error-free one (true zero) apart', async () => {
    const { client } = await recordingClient();
    const provider = new CloudWatchProvider(client, fast);
    const measure = async (canary: string) => (await provider.measure([errorRate], window, { canary: v(canary), control: v('stable') })).metrics['error-rate'].canary;
    expect(await measure('missing')).toEqual({ status: 'empty' });
    expect(await measure('idle')).toEqual({ status: 'no-traffic' });
    expect(await measure('clean')).toEqual({ status: 'ok', observation: { kind: 'ratio', num: 0, den: 500 } });
  });

  it('retries an unreachable endpoint with bounded attempts, then reports every metric as an error', async () => {
    const { client, calls } = await recordingClient('http://127.0.0.1:9');
    const result = await new CloudWatchProvider(client, fast).measure([errorRate, latency], window, { canary: v('bad'), control: v('stable') });
    expect(calls).toHaveLength(3);
    for (const m of Object.values(result.metrics)) {
      expect(m.canary.status).toBe('error');
      expect(m.control.status).toBe('error');
    }
  });
});

describe('CloudWatch provider paging', () => {
  it('follows NextToken within the same interval and merges the pages by query id', async () => {
    // moto never pages GetMetricData, so this one answer sequence is scripted.
    const sent: GetMetricDataCommandInput[] = [];
    const pages = [
      { MetricDataResults: [{ Id: 'n0_c', Values: [3] }, { Id: 'd0_c', Values: [100] }], NextToken: 'page-2' },
      { MetricDataResults: [{ Id: 'd0_c', Values: [50] }, { Id: 'n0_k', Values: [1] }, { Id: 'd0_k', Values: [200] }] },
    ];
    const sender = { send: async (command: { input: GetMetricDataCommandInput }) => (sent.push(command.input), pages[sent.length - 1]) } as unknown as CloudWatchSender;
    const result = await new CloudWatchProvider(sender, fast).measure([errorRate], window, { canary: v('bad'), control: v('stable') });
    expect(sent.map((s) => s.NextToken)).toEqual([undefined, 'page-2']);
    expect(result.metrics['error-rate'].canary).toEqual({ status: 'ok', observation: { kind: 'ratio', num: 3, den: 150 } });
    expect(result.metrics['error-rate'].control).toEqual({ status: 'ok', observation: { kind: 'ratio', num: 1, den: 200 } });
  });
});
