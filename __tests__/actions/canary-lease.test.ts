import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { currentClaimant } from '../../shared/canary/lease.js';
import { takeOverAbandoned } from '../../shared/canary/takeover.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { createModelRoute, createStable, deploymentSnapshot, livePods, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, writeTraffic } from './monitor-canary-support.js';
import { errorsOf, leaseOf, runEnv, runUrl, startStep, until, waitForExpiry, type LiveStep } from './canary-lease-support.js';

// Leases on the sandbox's real API server: a canary whose owner died is refused to others until its lease
// expires, then taken over (canary-deploy) or swept (auto-rollback mode: abandoned). Leases of a few seconds
// keep these fast; the code path is the one a 15m lease takes.
const { cluster, ns } = useSandboxNamespaces();
const kubeconfig = () => sandboxKubeconfig();

const routeWeights = async (namespace: string): Promise<Record<string, number>> =>
  Object.fromEntries(
    ((await cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' })).spec.rules[0].backendRefs as { name: string; weight: number }[]).map((b) => [
      b.name,
      b.weight,
    ]),
  );
const stateOf = async (namespace: string, name = 'model') => decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(namespace, name))).metadata?.annotations);
const canaryImages = async (namespace: string) => (await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).map((p) => p.spec!.containers[0].image);

/** Run `runId` starts a gateway-api canary of `image` at 10% with this lease; returns the job's nonce. */
async function deployAs(namespace: string, runId: string, lease: string, image = 'r.example/model:2') {
  return runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: 'model', namespace, image, 'traffic-router': 'gateway-api', route: 'model', lease }, { env: runEnv(runId) });
}

async function stableWithRoute(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 2 });
  await createModelRoute(cluster(), namespace);
  return namespace;
}

/**
 * Run 100's canary under live analysis by monitor-canary in a child process (the canary gets no traffic,
 * so the first step keeps watching), once the first step is on the cluster and a heartbeat was logged.
 */
async function monitoredCanary(prefix: string, lease: string): Promise<{ namespace: string; monitor: LiveStep }> {
  const namespace = await stableWithRoute(prefix);
  const deployed = await deployAs(namespace, '100', lease);
  expect(deployed.errors).toEqual([]);
  const nonce = JSON.parse(deployed.state.canary).nonce as string;
  const app = uniqueApp(prefix);
  const promUrl = await prometheusUrl();
  await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 0, errors: 0 } });
  const inputs = { kubeconfig: kubeconfig(), deployment: 'model', namespace, 'prometheus-url': promUrl, metrics: errorRateMetric(app, 'max: 0.05'), steps: '20,40', interval: '1s', 'step-duration': '60s' };
  // A later step of the same job: the runner hands it the nonce canary-deploy exported.
  const monitor = startStep('monitor-canary', inputs, runEnv('100', { AI_DEPLOY_LEASE_NONCE: nonce }));
  const started = await until(async () => (await stateOf(namespace))?.weight === 20 && /interval 1 weight 20%/.test(monitor.stdout()));
  if (!started) throw new Error(`monitor-canary did not reach its first step:\n${monitor.stdout().slice(-2000)}`);
  return { namespace, monitor };
}

describe('a canary whose runner died', () => {
  it('is refused to another run while its lease lasts (naming the owner and expiry), then taken over: stable 100%, old canary gone, new canary up', async () => {
    const { namespace, monitor } = await monitoredCanary('lease-kill', '8s');
    monitor.kill('SIGKILL'); // a lost runner: no post step, no cleanup
    expect(await monitor.exited).toBe(-1);
    const oldCanaryUid = (await cluster().get(deploymentRef(namespace, 'model-canary'))).metadata!.uid;

    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const refused = await deployAs(namespace, '200', '5s', 'r.example/model:3');
    expect(refused.failed).toBe(true);
    expect(refused.errors[0]).toMatch(/already in progress: model-canary \(image r\.example\/model:2, 20% traffic/);
    expect(refused.errors[0]).toContain(`its lease is held by ${runUrl('100')} until `);
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before);
    expect(await routeWeights(namespace)).toEqual({ model: 80, 'model-canary': 20 });

    await waitForExpiry(cluster(), namespace);
    const seen: Record<string, number>[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        seen.push(await routeWeights(namespace));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const taken = await deployAs(namespace, '200', '5s', 'r.example/model:3');
    watching = false;
    await watch;
    expect(taken.errors).toEqual([]);
    expect(taken.warnings.join('\n')).toMatch(
      new RegExp(`Took over the abandoned canary on ${namespace}/model: started by ${runUrl('100').replace(/[./]/g, '\\$&')}, abandoned since \\d{4}-.*Rolled back model-canary \\(image r\\.example/model:2, 20% traffic\\)`),
    );
    expect(taken.summary).toMatch(/### Abandoned canary taken over/);
    expect(taken.summary).toContain(runUrl('100'));
    // Stable had all the traffic between the rollback and the new canary getting its 10%.
    expect(seen.some((w) => w.model === 100 && !w['model-canary'])).toBe(true);
    expect(await routeWeights(namespace)).toEqual({ model: 90, 'model-canary': 10 });
    expect((await cluster().get(deploymentRef(namespace, 'model-canary'))).metadata!.uid).not.toBe(oldCanaryUid);
    expect(await canaryImages(namespace)).toEqual(['r.example/model:3']);
    expect(await stateOf(namespace)).toMatchObject({ canaryImage: 'r.example/model:3', weight: 10, phase: 'ready' });
    expect((await leaseOf(cluster(), namespace))!.holder).toMatchObject({ runId: '200', runUrl: runUrl('200') });
    const stable = await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));
    expect(stable.metadata!.annotations!['ai-deploy.dev/rollback-reason']).toMatch(/^abandoned canary: the lease of https:\/\/github\.com\/acme\/model\/actions\/runs\/100 expired at /);
  }, 90_000);

  it('is left alone by auto-rollback mode: abandoned while its lease lasts (exit 0, saying why), and rolled back by it once expired', async () => {
    const { namespace, monitor } = await monitoredCanary('lease-sweep1', '8s');
    monitor.kill('SIGKILL');
    await monitor.exited;
    const sweep = () => runInProcess(autoRollback, { kubeconfig: kubeconfig(), deployment: 'model', namespace, mode: 'abandoned' }, { env: runEnv('300') });

    const early = await sweep();
    expect(early.failed).toBe(false);
    expect(early.outputs).toMatchObject({ 'rolled-back': 'false', swept: '0' });
    expect(early.stdout).toContain(`is not abandoned (its lease is held by ${runUrl('100')} until `);
    expect(await routeWeights(namespace)).toEqual({ model: 80, 'model-canary': 20 });

    await waitForExpiry(cluster(), namespace);
    const late = await sweep();
    expect(late.errors).toEqual([]);
    expect(late.outputs).toMatchObject({ 'rolled-back': 'true', swept: '1', 'from-image': 'r.example/model:2', 'to-image': 'registry.example/model:1.0.0' });
    expect(late.summary).toMatch(/### Abandoned canaries rolled back: .*\/model/);
    expect(late.summary).toContain(runUrl('100'));
    expect(await routeWeights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await canaryImages(namespace)).toEqual([]);
    expect(await stateOf(namespace)).toBeUndefined();
    expect(await leaseOf(cluster(), namespace)).toBeUndefined();
  }, 90_000);

  it('with `deployment` empty, sweeps every abandoned canary of the namespace and leaves a live one and the rest alone', async () => {
    const namespace = await ns('lease-sweepall');
    for (const name of ['a', 'b', 'c']) await createStable(cluster(), namespace, name, { replicas: 1 });
    const deploy = (name: string, runId: string, lease: string) =>
      runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: name, namespace, image: `r.example/${name}:2`, lease }, { env: runEnv(runId) });
    expect((await deploy('a', '100', '2s')).errors).toEqual([]);
    expect((await deploy('b', '101', '10m')).errors).toEqual([]);
    const bBefore = await deploymentSnapshot(cluster(), namespace, 'b');
    await waitForExpiry(cluster(), namespace, 'a');

    const r = await runInProcess(autoRollback, { kubeconfig: kubeconfig(), namespace, mode: 'abandoned' }, { env: runEnv('300') });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ 'rolled-back': 'true', swept: '1' });
    expect(r.stdout).toContain(`The canary on ${namespace}/b is not abandoned (its lease is held by ${runUrl('101')}`);
    expect(r.stdout).not.toMatch(/-canary (is not abandoned|has no lease)/); // the canaries' own Deployments are not judged
    expect(r.stdout).toContain(`Swept ${namespace}: 1 abandoned canary rolled back.`);
    expect(await stateOf(namespace, 'a')).toBeUndefined();
    expect(await cluster().find(deploymentRef(namespace, 'a-canary'))).toBeUndefined();
    expect(await deploymentSnapshot(cluster(), namespace, 'b')).toEqual(bBefore);
    expect(await cluster().find(deploymentRef(namespace, 'b-canary'))).toBeDefined();
  }, 60_000);
});

describe('two runs racing to take over one abandoned canary', () => {
  it.each([1, 2, 3, 4, 5])('exactly one wins and the cluster ends consistent (repeat %i)', async () => {
    const namespace = await ns('lease-race');
    await createStable(cluster(), namespace, 'model', { replicas: 3 });
    const first = await runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', lease: '2s' }, { env: runEnv('100') });
    expect(first.errors).toEqual([]);
    await waitForExpiry(cluster(), namespace);

    const racers = ['201', '202'].map((runId) =>
      startStep('canary-deploy', { kubeconfig: kubeconfig(), deployment: 'model', namespace, image: `r.example/model:${runId}`, lease: '10m' }, runEnv(runId)),
    );
    const codes = await Promise.all(racers.map((r) => r.exited));
    expect([...codes].sort()).toEqual([0, 1]);
    const w = codes.indexOf(0);
    const [winnerRun, loser] = [['201', '202'][w], racers[1 - w]];
    expect(errorsOf(loser.stdout()).join('\n')).toMatch(/A canary for Deployment .*\/model is already in progress: .*its lease is held by https:\/\/github\.com\/acme\/model\/actions\/runs\/20[12] until/);

    // One canary, the winner's: its image on every canary pod, its run on the lease, the old one rolled back once.
    expect(await stateOf(namespace)).toMatchObject({ canaryImage: `r.example/model:${winnerRun}`, phase: 'ready' });
    expect((await leaseOf(cluster(), namespace))!.holder.runId).toBe(winnerRun);
    expect(await until(async () => (await canaryImages(namespace)).every((i) => i === `r.example/model:${winnerRun}`))).toBe(true);
    expect((await cluster().list('apps/v1', 'Deployment', namespace)).map((d) => d.metadata!.name).sort()).toEqual(['model', 'model-canary']);
  }, 60_000);

  it('two takeovers started in the same instant: the check-and-set gives the abandoned canary to exactly one (5 repeats)', async () => {
    const namespace = await ns('lease-cas');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    for (let i = 0; i < 5; i++) {
      const first = await runInProcess(canaryDeploy, { kubeconfig: kubeconfig(), deployment: 'model', namespace, image: `r.example/model:${i}`, lease: '1s' }, { env: runEnv('100') });
      expect(first.errors).toEqual([]);
      await waitForExpiry(cluster(), namespace);
      const claimants = ['201', '202'].map((id) => currentClaimant(undefined, runEnv(id)));
      const results = await Promise.all(claimants.map((me) => takeOverAbandoned(cluster(), namespace, 'model', me, 60_000, () => {})));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(results.find(Boolean)!.rollback.rolledBack).toBe(true);
      expect(await stateOf(namespace)).toBeUndefined();
      expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
    }
  }, 60_000);
});
