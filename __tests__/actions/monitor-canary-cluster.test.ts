import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Deployment, V1Job } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { runnerFiles } from '../support/runner-files.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { HOOK_LABELS } from '../../shared/hooks/index.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { createModelRoute, createStable, dropNamespace, freshNamespace, livePods, sandboxCluster, sandboxKubeconfig } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, recordWeights, writeTraffic } from './monitor-canary-support.js';

// monitor-canary end to end: a canary set up by canary-deploy on the sandbox API server (gateway-api router,
// so weights are exact), live request counters in the sandbox Prometheus, 2 s intervals, the action's own code.
let cluster: Cluster;
let promUrl: string;
const namespaces: string[] = [];
const workspace = new URL('../hooks/fixtures/', import.meta.url).pathname;
const support = new URL('../k8s/support/', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  cluster = await sandboxCluster();
  promUrl = await prometheusUrl();
});
afterAll(async () => {
  await Promise.all(namespaces.map((n) => dropNamespace(cluster, n)));
});

/** A stable Deployment `model` behind HTTPRoute `model`, and a canary at 10% set up by canary-deploy. */
async function canaryAt10(prefix: string): Promise<string> {
  const namespace = await freshNamespace(cluster, prefix);
  namespaces.push(namespace);
  await createStable(cluster, namespace, 'model', { replicas: 2 });
  await createModelRoute(cluster, namespace);
  const r = await runInProcess(canaryDeploy, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' });
  expect(r.errors).toEqual([]);
  return namespace;
}

const backendWeights = async (namespace: string) =>
  Object.fromEntries(
    ((await cluster.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' })).spec.rules[0].backendRefs as { name: string; weight: number }[]).map((b) => [b.name, b.weight]),
  );
const stableOf = (namespace: string) => cluster.get<V1Deployment>(deploymentRef(namespace, 'model'));
const hookJobs = async (namespace: string) => (await cluster.list<V1Job>('batch/v1', 'Job', namespace, `${HOOK_LABELS.stage}=during`)).filter((j) => !j.metadata?.deletionTimestamp);

function inputs(namespace: string, app: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    kubeconfig: sandboxKubeconfig(),
    deployment: 'model',
    namespace,
    'prometheus-url': promUrl,
    metrics: errorRateMetric(app, 'max-increase: 50%\nmax: 0.05'),
    steps: '20,40,60',
    interval: '2s',
    'step-duration': '20s',
    ...extra,
  };
}

/** An HTTP endpoint that answers 500 and counts the requests it gets (a load-test starter that is down). */
async function brokenEndpoint() {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.statusCode = 500;
    res.end('load tester down');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/start`, hits: () => hits, close: () => new Promise((r) => server.close(r)) };
}

describe('monitor-canary live on the sandbox cluster', () => {
  it('steps a good canary up through every weight, recorded on the cluster, and passes; during hooks run alongside and are stopped', async () => {
    const namespace = await canaryAt10('mcgood');
    const app = uniqueApp('mcgood');
    await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 5000, errors: 50 } });
    const endpoint = await brokenEndpoint();
    const hooks = `during:\n  - {name: load, kind: job, manifest: jobs/hangs.yaml}\n  - {name: start-load-test, kind: http, url: '${endpoint.url}', retries: 0}\n`;
    const weights = recordWeights(cluster, namespace, 'model');
    let jobsWhileRunning: string[] = [];
    const watchJobs = (async () => {
      for (let i = 0; i < 100 && jobsWhileRunning.length === 0; i++, await sleep(200)) jobsWhileRunning = (await hookJobs(namespace)).map((j) => j.metadata!.name!);
    })();
    try {
      const r = await runInProcess(monitorCanary, inputs(namespace, app, { hooks }), { env: { GITHUB_WORKSPACE: workspace } });
      await watchJobs;
      expect(r.errors).toEqual([]);
      expect(r.outputs).toMatchObject({ verdict: 'pass', weight: '60' });
      expect(r.outputs.reason).toMatch(/^every step passed \(20%, 40%, 60%\)/);
      // The canary-deploy weight, then every step in order, as the cluster recorded them.
      expect(await weights.stop()).toEqual([10, 20, 40, 60]);
      expect(await backendWeights(namespace)).toEqual({ model: 40, 'model-canary': 60 });
      // Each step moved on before its 10 intervals were up.
      expect(Number(r.outputs['decided-after'])).toBeLessThan(15);
      // The load Job ran during the analysis and is gone; the failed http hook is a warning, not the verdict.
      expect(jobsWhileRunning).toHaveLength(1);
      expect(await hookJobs(namespace)).toEqual([]);
      expect(endpoint.hits()).toBe(1);
      expect(r.warnings.join('\n')).toMatch(/during hook `start-load-test` failed: .*500/);
      expect(r.summary).toMatch(/### Hooks/);
      expect(r.summary).toMatch(/\| during \| `load` \| job \| ⏹️ stopped \|/);
      expect(r.summary).toMatch(/\| during \| `start-load-test` \| http \| ❌ failed \|/);
    } finally {
      await weights.stop();
      await endpoint.close();
    }
  }, 60_000);

  it('fails a bad canary at its first step and, with rollback-on-failure, leaves stable 100% with the canary gone', async () => {
    const namespace = await canaryAt10('mcbad');
    const app = uniqueApp('mcbad');
    await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 5000, errors: 1000 } });
    const weights = recordWeights(cluster, namespace, 'model');
    const r = await runInProcess(monitorCanary, inputs(namespace, app, { 'rollback-on-failure': 'true' }));
    await weights.stop();
    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ verdict: 'fail', weight: '0' });
    expect(r.errors[0]).toMatch(/^Canary fail: at 20%: error-rate: canary 20% vs control 1%/);
    expect(weights.seen).not.toContain(40);
    expect(await backendWeights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
    expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await livePods(cluster, namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
    const stable = await stableOf(namespace);
    expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
    expect(stable.metadata!.annotations!['ai-deploy.dev/rollback-reason']).toMatch(/error-rate/);
  }, 60_000);

  it('killed with SIGTERM mid-step, leaves the canary at 0% and stops its during Job', async () => {
    const namespace = await canaryAt10('mcterm');
    const app = uniqueApp('mcterm');
    // The canary has no traffic: no evidence, so the first step keeps watching until the kill.
    await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 0, errors: 0 } });
    const files = runnerFiles(inputs(namespace, app, { 'step-duration': '40s', hooks: 'during:\n  - {name: load, kind: job, manifest: jobs/hangs.yaml}\n' }));
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './register-ts.mjs', 'run-ts-step.mjs', 'monitor-canary', 'main'], {
      cwd: support,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_WORKSPACE: workspace, ...files.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // Kill it once the first step is on the cluster, its load Job is running and a heartbeat was logged.
    for (let i = 0; i < 200; i++) {
      const weight = (await stableOf(namespace)).metadata?.annotations?.['ai-deploy.dev/weight'];
      if (weight === '20' && (await hookJobs(namespace)).length === 1 && /interval 1 weight 20%/.test(stdout)) break;
      await sleep(100);
    }
    expect((await stableOf(namespace)).metadata!.annotations!['ai-deploy.dev/weight']).toBe('20');
    expect(await hookJobs(namespace)).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await exited).toBe(1);
    expect(stdout).toMatch(/::error::Analysis stopped: Cancelled by SIGTERM. Giving stable all traffic back./);
    expect(await backendWeights(namespace)).toEqual({ model: 100, 'model-canary': 0 });
    expect((await stableOf(namespace)).metadata!.annotations!['ai-deploy.dev/weight']).toBe('0');
    expect(await hookJobs(namespace)).toEqual([]);
  }, 60_000);
});
