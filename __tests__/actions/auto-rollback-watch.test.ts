import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { checkStillWatched } from '../../actions/auto-rollback/watch.js';
import type { Inputs } from '../../actions/auto-rollback/inputs.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { createStable, dropNamespace, freshNamespace, sandboxCluster, sandboxKubeconfig } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, writeTraffic } from './monitor-canary-support.js';

// auto-rollback `watch` after a plain release: a Deployment rolled from 1.0.0 to 2.0.0 on the sandbox API
// server, request counters by version in the sandbox Prometheus, 2 s intervals, the action's own code.
let cluster: Cluster;
let promUrl: string;
const namespaces: string[] = [];

beforeAll(async () => {
  cluster = await sandboxCluster();
  promUrl = await prometheusUrl();
});
afterAll(async () => {
  await Promise.all(namespaces.map((n) => dropNamespace(cluster, n)));
});

/** `model` released as r.example/model:2 (MODEL_VERSION 2.0.0) over r.example/model:1 (1.0.0) by a rolling update. */
async function released(prefix: string): Promise<string> {
  const namespace = await freshNamespace(cluster, prefix);
  namespaces.push(namespace);
  await createStable(cluster, namespace, 'model', { replicas: 2, image: 'r.example/model:1', modelVersion: '1.0.0' });
  await cluster.strategicPatch(deploymentRef(namespace, 'model'), {
    spec: { template: { spec: { containers: [{ name: 'model', image: 'r.example/model:2', env: [{ name: 'MODEL_VERSION', value: '2.0.0' }] }] } } },
  });
  await waitForRollout(cluster, namespace, 'model', 60_000);
  return namespace;
}

const imageOf = async (namespace: string) => (await cluster.get<V1Deployment>(deploymentRef(namespace, 'model'))).spec!.template.spec!.containers[0].image;

function watchInputs(namespace: string, app: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    kubeconfig: sandboxKubeconfig(),
    deployment: 'model',
    namespace,
    mode: 'revision',
    watch: '10s',
    interval: '2s',
    'prometheus-url': promUrl,
    metrics: errorRateMetric(app, 'max: 0.05'),
    reason: 'release watch',
    ...extra,
  };
}

describe('auto-rollback watch after a release', () => {
  it('rolls back to the previous revision as soon as the released version breaches its bound, and fails the step', async () => {
    const namespace = await released('wbad');
    const app = uniqueApp('wbad');
    await writeTraffic(promUrl, app, { '1.0.0': { requests: 5000, errors: 50 }, '2.0.0': { requests: 5000, errors: 1000 } });
    const r = await runInProcess(autoRollback, watchInputs(namespace, app, { watch: '30s' }));
    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'rolled-back': 'true', 'from-image': 'r.example/model:2', 'to-image': 'r.example/model:1' });
    expect(r.outputs.reason).toMatch(/^error-rate: canary 20%.*vs max 5%: wholly above it after [12] intervals?/);
    expect(r.errors[0]).toMatch(/^The release breached its bounds during the watch and was rolled back from r.example\/model:2 to r.example\/model:1: error-rate/);
    // Judged by version: {{target}} was the model versions.
    expect(r.stdout).toMatch(/r.example\/model:2 \(\{\{target\}\}=2.0.0\) against the previous r.example\/model:1 \(\{\{target\}\}=1.0.0\)/);
    expect(await imageOf(namespace)).toBe('r.example/model:1');
    const d = await cluster.get<V1Deployment>(deploymentRef(namespace, 'model'));
    expect(d.spec!.template.spec!.containers[0].env).toEqual([{ name: 'MODEL_VERSION', value: '1.0.0' }]);
    expect(d.metadata!.annotations!['ai-deploy.dev/rollback-reason']).toMatch(/^release watch: error-rate: canary 20%/);
    expect(r.summary).toMatch(/## Watch after release: ❌ fail/);
    expect(r.summary).toMatch(/### Rolled back .*\(revision\) from r.example\/model:2 to r.example\/model:1/);
  }, 60_000);

  it('leaves a healthy release alone after watching it for the whole duration, and passes', async () => {
    const namespace = await released('wgood');
    const app = uniqueApp('wgood');
    await writeTraffic(promUrl, app, { '1.0.0': { requests: 5000, errors: 50 }, '2.0.0': { requests: 5000, errors: 50 } });
    const r = await runInProcess(autoRollback, watchInputs(namespace, app));
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ verdict: 'pass', 'rolled-back': 'false', 'from-image': '', 'to-image': '' });
    // A pass is only given at the end of the watch: 10 s of 2 s intervals.
    expect(r.outputs.reason).toMatch(/^every metric within its bounds after 5 intervals/);
    expect(r.stdout.match(/^interval \d+: error-rate /gm)).toHaveLength(5);
    expect(await imageOf(namespace)).toBe('r.example/model:2');
    expect(r.summary).toMatch(/## Watch after release: ✅ pass/);
  }, 60_000);

  it('with no data for the released version, rolls nothing back and says so: inconclusive, and the step fails', async () => {
    const namespace = await released('wnone');
    const app = uniqueApp('wnone'); // nothing written for this app
    const r = await runInProcess(autoRollback, watchInputs(namespace, app, { watch: '6s' }));
    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ verdict: 'inconclusive', 'rolled-back': 'false' });
    expect(r.outputs.reason).toMatch(/^error-rate: no evidence after 3 intervals \(3 empty\)/);
    expect(r.errors).toEqual([expect.stringMatching(/^Watch inconclusive, nothing rolled back \(no data for the released version\): error-rate: no evidence/)]);
    expect(r.summary).toMatch(/## Watch after release: ⚠️ inconclusive/);
    expect(r.summary).toMatch(/\*\*No data\*\*: no metric returned a value for the released version/);
    expect(await imageOf(namespace)).toBe('r.example/model:2');
  }, 60_000);

  it('with on-missing-data: fail, no data is a breach and rolls back', async () => {
    const namespace = await released('wfail');
    const r = await runInProcess(autoRollback, watchInputs(namespace, uniqueApp('wfail'), { 'on-missing-data': 'fail' }));
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'rolled-back': 'true', 'to-image': 'r.example/model:1' });
    expect(r.outputs.reason).toMatch(/^error-rate: no data at interval 1 \(on-missing-data: fail\)/);
    expect(await imageOf(namespace)).toBe('r.example/model:1');
  }, 60_000);

  it('target-names point {{target}} at other series names', async () => {
    const namespace = await released('wnames');
    const app = uniqueApp('wnames');
    await writeTraffic(promUrl, app, { old: { requests: 5000, errors: 50 }, new: { requests: 5000, errors: 2000 } });
    const r = await runInProcess(autoRollback, watchInputs(namespace, app, { 'target-names': 'canary=new\nstable=old', metrics: errorRateMetric(app, 'max-increase: 50%') }));
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'rolled-back': 'true' });
    expect(r.outputs.reason).toMatch(/^error-rate: canary 40% vs control 1%; ratio ×40/);
  }, 60_000);
});

describe('auto-rollback watch refuses what it cannot judge, before watching and changing anything', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await freshNamespace(cluster, 'wbadin');
    namespaces.push(namespace);
    await createStable(cluster, namespace, 'fresh', { replicas: 1, image: 'r.example/model:1' });
  });

  it('a Deployment with no previous revision', async () => {
    const r = await runInProcess(autoRollback, { ...watchInputs(namespace, 'x'), deployment: 'fresh' });
    expect(r.errors).toEqual([`Deployment ${namespace}/fresh has no previous revision to roll back to (no earlier ReplicaSet, no image recorded by promote): nothing to watch for.`]);
    expect(r.stdout).not.toMatch(/^interval 1/m);
  });

  it('a Deployment that changed during the watch is not rolled back', async () => {
    const inputs = { namespace, deployment: 'fresh' } as Inputs;
    const watched = { current: { image: 'r.example/model:0', name: '0' }, previous: { image: 'r.example/model:-1', name: '-1' } };
    await expect(checkStillWatched(cluster, inputs, watched)).rejects.toThrow(
      `${namespace}/fresh changed during the watch (it now runs r.example/model:1; watched r.example/model:0): not rolled back, nothing changed.`,
    );
    await expect(checkStillWatched(cluster, inputs, { ...watched, current: { image: 'r.example/model:1', name: '1' } })).resolves.toBeUndefined();
  });

  it.each([
    ['mode canary', { mode: 'canary' }, /^Invalid `mode`: 'canary'. Expected `revision` or `auto` with `watch`/],
    ['an interval longer than the watch', { interval: '1m' }, /^Invalid `interval`: '1m'. Expected a duration no longer than `watch` \(10s\)/],
    ['a baseline target name', { 'target-names': 'baseline=b' }, /^Invalid `target-names`: 'baseline=b'/],
    ['metrics without watch', { watch: '' }, /^`metrics` is only used with `watch`/],
    ['failure-limit without watch', { watch: '', metrics: '', 'failure-limit': '2' }, /^`failure-limit` is only used with `watch`/],
    ['no prometheus-url', { 'prometheus-url': '' }, /`prometheus-url` is required with `provider: prometheus` to watch metrics/],
    ['a hook of another action\'s stage', { hooks: 'during:\n  - {kind: http, url: "https://x.example/"}' }, /^Invalid `hooks`: `during` hooks run in monitor-canary, not in this action. Expected `post-rollback`/],
  ])('%s', async (_what, inputs, expected) => {
    const r = await runInProcess(autoRollback, { ...watchInputs(namespace, 'x'), deployment: 'fresh', ...inputs });
    expect(r.failed).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(expected);
  });

  it('a Deployment with a canary in progress (monitor-canary judges canaries)', async () => {
    await createStable(cluster, namespace, 'other', { replicas: 1 });
    expect((await runInProcess(canaryDeploy, { kubeconfig: sandboxKubeconfig(), deployment: 'other', namespace, image: 'r.example/model:2' })).errors).toEqual([]);
    const r = await runInProcess(autoRollback, { ...watchInputs(namespace, 'x'), deployment: 'other' });
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^A canary is in progress on ${namespace}/other: other-canary \\(image r.example/model:2.*judge a canary with monitor-canary`))]);
    expect(await cluster.find(deploymentRef(namespace, 'other-canary'))).toBeDefined();
  });
});

/** An HTTP receiver that answers each path with the given status and keeps what it got. */
async function hookServer(statusFor: (path: string) => number) {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.statusCode = statusFor(req.url ?? '');
    res.end(res.statusCode === 200 ? 'ok' : 'cache service down');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((r) => server.close(r)) };
}

describe('auto-rollback post-rollback hooks', () => {
  it('run after the rollback with the restored version; a failing one fails the step but the rollback stands', async () => {
    const namespace = await released('hooks');
    const server = await hookServer((path) => (path.startsWith('/purge') ? 500 : 200));
    const hooks = `post-rollback:\n  - {name: purge-cache, kind: http, url: '${server.url}/purge/{{model-version}}', method: POST, retries: 0}\n  - {name: announce, kind: http, url: '${server.url}/announce?image={{image}}'}\n`;
    try {
      const r = await runInProcess(autoRollback, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, mode: 'revision', hooks });
      expect(r.failed).toBe(true);
      expect(r.outputs).toMatchObject({ 'rolled-back': 'true', 'to-image': 'r.example/model:1' });
      expect(await imageOf(namespace)).toBe('r.example/model:1');
      // Every post hook runs, with the version that serves now, after the rollback.
      expect(server.received).toEqual(['POST /purge/1.0.0', 'GET /announce?image=r.example/model:1']);
      expect(r.errors).toEqual([expect.stringMatching(/^post-rollback hook `purge-cache` \(http\) failed: POST .*\/purge\/1.0.0 answered 500/)]);
      expect(r.summary).toMatch(/### Rolled back [\s\S]*### Hooks/);
      expect(r.summary).toMatch(/\| post-rollback \| `purge-cache` \| http \| ❌ failed \|/);
      expect(r.summary).toMatch(/\| post-rollback \| `announce` \| http \| ✅ passed \|/);

      // Nothing rolled back on a re-run: no hooks either.
      const again = await runInProcess(autoRollback, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, mode: 'revision', hooks });
      expect(again.failed).toBe(false);
      expect(server.received).toHaveLength(2);
    } finally {
      await server.close();
    }
  }, 60_000);
});
