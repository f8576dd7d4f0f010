import { describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1DeploymentStrategy } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { ROLLOUT_RESTORE } from '../../shared/canary/rollout-strategy.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { createHpa, hpaRef, watchCapacity } from '../k8s/support/autoscaling.js';

// Stable's pods take READY_DELAY to become Ready (kwok, annotation ai-deploy.test/ready-delay), so the promote's
// rolling update is gradual and a dip in stable's ready pods is visible to a watcher polling the Deployment.
// The HPAs here have pods that request no CPU, so the sandbox's real HPA controller only holds their counts within
// min and max: the HPA's minimum is what ai-deploy raises; stable's count is set as the HPA left it.
const READY_DELAY = '2s';
const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));

/** Stable `model` (slow pods) behind HTTPRoute `model`; with `hpa`, an HPA `model` of `hpa.min..hpa.max` on it. */
async function slowStable(prefix: string, replicas: number, o: { hpa?: { min: number; max: number }; strategy?: V1DeploymentStrategy } = {}) {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas });
  await cluster().mergePatch(deploymentRef(namespace, 'model'), {
    spec: { ...(o.strategy ? { strategy: o.strategy } : {}), template: { metadata: { annotations: { 'ai-deploy.test/ready-delay': READY_DELAY } } } },
  });
  await waitForRollout(cluster(), namespace, 'model', 60_000);
  await createModelRoute(cluster(), namespace);
  if (o.hpa) await createHpa(cluster(), namespace, o.hpa);
  return namespace;
}

const startCanary = (namespace: string, weight: string) =>
  runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight, 'traffic-router': 'gateway-api', route: 'model' });

/** Polls stable's ready replicas while `during` runs; returns what `during` returned and every count seen. */
async function watchStableReady<T>(namespace: string, during: () => Promise<T>): Promise<{ result: T; ready: number[] }> {
  const capacity = watchCapacity(cluster(), namespace, 40);
  try {
    return { result: await during(), ready: capacity.samples.map((s) => s.stableReady) };
  } finally {
    await capacity.stop();
  }
}

const strategyOf = async (namespace: string) => (await get(namespace, 'model'))!.spec!.strategy;

describe('promote never lowers serving capacity, whatever the rollout strategy allows', () => {
  it('no HPA, 8 stable pods and a 1-pod canary (fewer than the default 25% maxUnavailable of 2): stable never has fewer than its 8 ready replicas during the promote; the user\'s strategy is restored exactly and its record removed', async () => {
    const namespace = await slowStable('capnohpa', 8);
    const strategyBefore = await strategyOf(namespace);
    expect(strategyBefore).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect((await startCanary(namespace, '10')).errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1); // ceil(8 x 10%)
    const before = (await get(namespace, 'model'))!.status!.readyReplicas!;
    expect(before).toBe(8);

    const { result: p, ready } = await watchStableReady(namespace, () => runInProcess(promote, { ...kube(), deployment: 'model', namespace }));
    expect(p.errors).toEqual([]);
    expect(ready.length).toBeGreaterThan(20); // a gradual rollout of 2 s pods, watched all through
    expect(Math.min(...ready)).toBeGreaterThanOrEqual(before);
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(stable.spec!.replicas).toBe(8);
    expect(stable.spec!.strategy).toEqual(strategyBefore);
    expect(stable.metadata!.annotations?.[ROLLOUT_RESTORE]).toBeUndefined();
    expect(p.stdout).toMatch(/maxUnavailable 0/);
    expect(p.summary).toMatch(/rolls out with maxUnavailable 0, maxSurge 25% .*its own maxUnavailable 25%, maxSurge 25%/);
    expect(p.summary).toMatch(/\| ready replicas before \| 8 \| 1 \| 9 \|/);
    expect(p.summary).toMatch(/\| ready replicas after \| 8 \| 0 \| 8 \|/);
  }, 120_000);

  it('HPA 2..10 at 8 and a 1-pod canary (fewer than maxUnavailable 2 of the raised 9): stable never has fewer than its 8 ready replicas while it holds traffic, reaches 9 ready before the canary loses traffic; HPA and strategy restored exactly', async () => {
    const namespace = await slowStable('caphpa', 8, { hpa: { min: 2, max: 10 } });
    const hpaBefore = (await cluster().get(hpaRef(namespace))).spec;
    const strategyBefore = await strategyOf(namespace);
    expect((await startCanary(namespace, '10')).errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1);
    const capacity = watchCapacity(cluster(), namespace, 40);
    const p = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    const seen = await capacity.stop();
    expect(p.errors).toEqual([]);
    expect(seen.length).toBeGreaterThan(20);
    expect(Math.min(...seen.map((s) => s.stableReady))).toBeGreaterThanOrEqual(8);
    const cut = seen.findIndex((s) => s.canaryWeight === 0);
    expect(cut).toBeGreaterThan(0);
    expect(seen[cut].stableReady).toBeGreaterThanOrEqual(9);
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.replicas).toBe(9);
    expect(stable.spec!.strategy).toEqual(strategyBefore);
    expect(stable.metadata!.annotations?.[ROLLOUT_RESTORE]).toBeUndefined();
    expect((await cluster().get(hpaRef(namespace))).spec).toEqual(hpaBefore);
    expect(p.summary).toMatch(/\| ready replicas before \| 8 \| 1 \| 9 \|/);
    expect(p.summary).toMatch(/\| ready replicas after \| 9 \| 0 \| 9 \|/);
  }, 120_000);

  it('replicas router, no HPA, 8 stable pods and a 1-pod canary sharing the stable Service: stable never has fewer than its 8 ready replicas during the promote', async () => {
    const namespace = await slowStable('caprep', 8);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '10' });
    expect(r.errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1); // 1 of 9 pods
    const { result: p, ready } = await watchStableReady(namespace, () => runInProcess(promote, { ...kube(), deployment: 'model', namespace }));
    expect(p.errors).toEqual([]);
    expect(ready.length).toBeGreaterThan(20);
    expect(Math.min(...ready)).toBeGreaterThanOrEqual(8);
    expect((await get(namespace, 'model'))!.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  }, 120_000);

  it('a user\'s own rollingUpdate (maxSurge 0, maxUnavailable 2): the promote surges one pod at a time instead, never below the 6 ready, and the user\'s values come back exactly', async () => {
    const namespace = await slowStable('capcustom', 6, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } } });
    const strategyBefore = await strategyOf(namespace);
    expect(strategyBefore).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 2 } });
    expect((await startCanary(namespace, '10')).errors).toEqual([]);
    const { result: p, ready } = await watchStableReady(namespace, () => runInProcess(promote, { ...kube(), deployment: 'model', namespace }));
    expect(p.errors).toEqual([]);
    expect(Math.min(...ready)).toBeGreaterThanOrEqual(6);
    expect(p.stdout).toMatch(/rolls out with maxUnavailable 0, maxSurge 1 .*its own maxUnavailable 2, maxSurge 0/);
    expect(await strategyOf(namespace)).toEqual(strategyBefore);
  }, 120_000);
});

describe('the promote\'s rollout strategy is given back on every way out', () => {
  it('a promote whose rollout timed out leaves maxUnavailable 0 recorded; its re-run completes the promotion without a dip and restores the user\'s strategy exactly', async () => {
    const namespace = await slowStable('caprerun', 4);
    const strategyBefore = await strategyOf(namespace);
    expect((await startCanary(namespace, '25')).errors).toEqual([]);
    const first = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, timeout: '1s' });
    expect(first.failed).toBe(true);
    const midway = (await get(namespace, 'model'))!;
    expect(midway.spec!.strategy!.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
    expect(JSON.parse(midway.metadata!.annotations![ROLLOUT_RESTORE])).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });

    const { result: again, ready } = await watchStableReady(namespace, () => runInProcess(promote, { ...kube(), deployment: 'model', namespace }));
    expect(again.errors).toEqual([]);
    expect(again.stdout).toMatch(/Resuming the promotion/);
    expect(Math.min(...ready)).toBeGreaterThanOrEqual(4);
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(stable.spec!.strategy).toEqual(strategyBefore);
    expect(stable.metadata!.annotations?.[ROLLOUT_RESTORE]).toBeUndefined();
  }, 120_000);

  it('a promote that timed out, then rolled back (auto-rollback, mode auto): the strategy is restored exactly before stable returns to its previous image', async () => {
    const namespace = await slowStable('caprollback', 4);
    const strategyBefore = await strategyOf(namespace);
    expect((await startCanary(namespace, '25')).errors).toEqual([]);
    expect((await runInProcess(promote, { ...kube(), deployment: 'model', namespace, timeout: '1s' })).failed).toBe(true);
    expect((await get(namespace, 'model'))!.metadata!.annotations![ROLLOUT_RESTORE]).toBeDefined();
    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'auto' });
    expect(back.errors).toEqual([]);
    const restoredAt = back.stdout.search(/rollout strategy restored to maxUnavailable 25%, maxSurge 25%/);
    expect(restoredAt).toBeGreaterThan(-1);
    expect(back.stdout.indexOf('Rolling model back from r.example/model:2')).toBeGreaterThan(restoredAt);
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.template.spec!.containers[0].image).toBe('registry.example/model:1.0.0');
    expect(stable.spec!.strategy).toEqual(strategyBefore);
    expect(stable.metadata!.annotations?.[ROLLOUT_RESTORE]).toBeUndefined();
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  }, 120_000);

  it('a Recreate strategy is never changed: promote warns, before the rollout, that stable serves nothing until the new pods are ready; the type stays Recreate and nothing is recorded', async () => {
    const namespace = await slowStable('caprecreate', 3, { strategy: { type: 'Recreate', rollingUpdate: null } as never });
    expect((await startCanary(namespace, '25')).errors).toEqual([]);
    const p = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    expect(p.errors).toEqual([]);
    expect(p.warnings.join('\n')).toMatch(new RegExp(`Deployment ${namespace}/model uses the Recreate strategy: .*stops every stable pod before the new ones start.*does not change a strategy type`));
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.strategy).toEqual({ type: 'Recreate' });
    expect(stable.metadata!.annotations?.[ROLLOUT_RESTORE]).toBeUndefined();
    expect(stable.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
  }, 120_000);
});
