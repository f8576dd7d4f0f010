import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { createModelRoute, createStable, deploymentSnapshot, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, writeTraffic } from './monitor-canary-support.js';
import { errorsOf, leaseOf, runEnv, runUrl, sleep, startStep, until, waitForExpiry } from './canary-lease-support.js';

// monitor-canary and the lease on the sandbox's real API server: it keeps its run's lease alive through an
// analysis longer than the lease, and stops, changing nothing, once another run took the canary over.
const { cluster, ns } = useSandboxNamespaces();
const kubeconfig = () => sandboxKubeconfig();
const stateOf = async (namespace: string) => decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata?.annotations);

async function canaryOfRun100(prefix: string, lease: string): Promise<{ namespace: string; nonce: string }> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 2 });
  await createModelRoute(cluster(), namespace);
  const r = await runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', lease }, { env: runEnv('100') });
  expect(r.errors).toEqual([]);
  return { namespace, nonce: JSON.parse(r.state.canary).nonce };
}

/** monitor-canary inputs on a canary with no traffic of its own (no evidence: each step runs to its end). */
async function monitorInputs(namespace: string, prefix: string, extra: Record<string, string>) {
  const app = uniqueApp(prefix);
  const promUrl = await prometheusUrl();
  await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 0, errors: 0 } });
  return { kubeconfig: kubeconfig(), deployment: 'model', namespace, 'prometheus-url': promUrl, metrics: errorRateMetric(app, 'max: 0.05'), ...extra };
}

describe('monitor-canary keeps its lease', () => {
  it('through an analysis longer than the lease, with an interval as long as the lease: renewed at least every third of it, never expired, a sweeper finds nothing abandoned', async () => {
    const { namespace } = await canaryOfRun100('lease-renew', '6s');
    const inputs = await monitorInputs(namespace, 'lease-renew', { steps: '20', interval: '6s', 'step-duration': '18s' });
    const renewals: number[] = [];
    let expiredSeen = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const lease = await leaseOf(cluster(), namespace);
        if (lease && Date.parse(lease.expiresAt) <= Date.now()) expiredSeen++;
        if (lease && renewals.at(-1) !== Date.parse(lease.renewedAt)) renewals.push(Date.parse(lease.renewedAt));
        await sleep(100);
      }
    })();
    // A sweeper of another run comes by once the analysis has outlived the lease.
    const sweeper = sleep(8_000).then(() => startStep('auto-rollback', { kubeconfig: kubeconfig(), deployment: 'model', namespace, mode: 'abandoned' }, runEnv('300')));
    const started = Date.now();
    const r = await runInProcess(monitorCanary, inputs, { env: runEnv('100') }); // a later job of the run: no nonce
    const took = Date.now() - started;
    polling = false;
    await poll;
    const sweep = await sweeper;
    expect(await sweep.exited).toBe(0);
    expect(sweep.stdout()).toContain(`is not abandoned (its lease is held by ${runUrl('100')} until `);

    expect(took).toBeGreaterThan(3 * 6_000); // the analysis outlived the lease three times over
    expect(r.outputs.verdict).toBe('inconclusive'); // no canary traffic: no evidence, the monitor's own verdict
    expect(r.errors.join('\n')).not.toMatch(/taken over|lease/);
    expect(expiredSeen).toBe(0);
    const gaps = renewals.slice(1).map((t, i) => t - renewals[i]);
    expect(gaps.length).toBeGreaterThanOrEqual(7);
    // A third of the 6 s lease is 2 s; 4 s leaves room for a busy machine and is still well under the 6 s interval.
    expect(Math.max(...gaps)).toBeLessThan(4_000);
    expect((await leaseOf(cluster(), namespace))!.holder.runId).toBe('100');
  }, 60_000);

  it('stops with a clear error and an inconclusive verdict naming the run that took its canary over while it was frozen, changing nothing', async () => {
    const { namespace, nonce } = await canaryOfRun100('lease-frozen', '3s');
    const inputs = await monitorInputs(namespace, 'lease-frozen', { steps: '20,40', interval: '1s', 'step-duration': '60s' });
    const monitor = startStep('monitor-canary', inputs, runEnv('100', { AI_DEPLOY_LEASE_NONCE: nonce }));
    const started = await until(async () => (await stateOf(namespace))?.weight === 20 && /interval 1 weight 20%/.test(monitor.stdout()));
    if (!started) throw new Error(`monitor-canary did not reach its first step:\n${monitor.stdout().slice(-2000)}`);

    monitor.kill('SIGSTOP'); // a runner cut off from the cluster: no heartbeat, but it will come back
    try {
      await waitForExpiry(cluster(), namespace);
      const taken = await runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: 'model', namespace, image: 'r.example/model:3', 'traffic-router': 'gateway-api', route: 'model', lease: '10m' }, { env: runEnv('200') });
      expect(taken.errors).toEqual([]);
    } finally {
      monitor.kill('SIGCONT');
    }
    const after = await deploymentSnapshot(cluster(), namespace, 'model');
    expect(await monitor.exited).toBe(1);
    const errors = errorsOf(monitor.stdout()).join('\n');
    expect(errors).toContain(`was taken over by another run (${runUrl('200')}); this run no longer owns it. monitor-canary stopped and changed nothing`);
    expect(errors).not.toMatch(/Giving stable all traffic back/);
    // Its verdict, for the steps after it: inconclusive, the reason saying who took the canary and that nothing was changed.
    expect(monitor.outputs()).toMatchObject({ verdict: 'inconclusive' });
    expect(monitor.outputs().reason).toMatch(
      new RegExp(`^The canary on ${namespace}/model was taken over by another run \\(${runUrl('200').replace(/[./]/g, '\\$&')}\\); this run no longer owns it\\. monitor-canary stopped and changed nothing`),
    );
    // Run 200's canary as it set it up: 10%, its image, its lease.
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(after);
    expect(await stateOf(namespace)).toMatchObject({ canaryImage: 'r.example/model:3', weight: 10 });
    expect((await leaseOf(cluster(), namespace))!.holder.runId).toBe('200');
  }, 60_000);
});

describe('lease: bad input fails clearly and changes nothing', () => {
  it.each(['0s', '-5m', 'forever', '500ms'])('canary-deploy `lease: %s`', async (lease) => {
    const namespace = await ns('lease-bad');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const r = await runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', lease });
    expect(r.failed).toBe(true);
    expect(r.errors).toEqual([`Invalid \`lease\`: '${lease}'. Expected a duration of at least \`1s\` such as \`15m\`: how long the canary may go without a heartbeat from this run before another run may take it over (a canary always has a bound).`]);
    expect(r.stdout).not.toMatch(/at .*\.ts:\d+/);
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before);
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
  });

  it('monitor-canary with an `interval` longer than the lease canary-deploy recorded', async () => {
    const { namespace } = await canaryOfRun100('lease-short', '5s');
    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const r = await runInProcess(monitorCanary, await monitorInputs(namespace, 'lease-short', { interval: '10s', 'step-duration': '1m' }), { env: runEnv('100') });
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toMatch(/^Invalid `interval`: '10s'\. Expected a duration no longer than the canary's lease \(5s, canary-deploy's `lease`\)/);
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before); // lease not renewed, weight not moved
  });
});
