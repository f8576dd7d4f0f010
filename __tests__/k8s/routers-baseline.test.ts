import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createModelRoute, createStable, livePods, sandboxKubeconfig, deploymentSnapshot, useSandboxNamespaces } from './support/sandbox-cluster.js';
import { asStored } from './support/server-defaults.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));

/** Both tracks and their pods gone; stable unchanged with no recorded canary. */
async function expectTracksRemoved(namespace: string) {
  expect(await get(namespace, 'model-canary')).toBeUndefined();
  expect(await get(namespace, 'model-baseline')).toBeUndefined();
  expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  expect(await cluster().find(serviceRef(namespace, 'model-baseline'))).toBeUndefined();
  expect(await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
  const stable = (await get(namespace, 'model'))!;
  expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
  expect(stable.spec!.template.spec!.containers[0]).toMatchObject({ image: 'registry.example/model:1.0.0', env: [{ name: 'MODEL_VERSION', value: '1.0.0' }] });
}

describe('baseline: true', () => {
  it('with a mesh router: a fresh <deployment>-baseline at the stable version and canary size; stable/canary/baseline weights sum to 100; rollback removes it all', async () => {
    const namespace = await ns('base-gw');
    await createStable(cluster(), namespace, 'model', { replicas: 5, modelVersion: '1.0.0' });
    await createModelRoute(cluster(), namespace);
    const routeRef = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' };
    const before = (await cluster().get(routeRef)).spec;
    const r = await runInProcess(canaryDeploy, {
      ...kube(),
      deployment: 'model',
      namespace,
      image: 'r.example/model:2',
      'model-version': '2.0.0',
      'traffic-router': 'gateway-api',
      route: 'model',
      weight: '20',
      baseline: 'true',
    });
    expect(r.errors).toEqual([]);
    expect(r.outputs.weight).toBe('20');
    expect(r.summary).toMatch(/\| stable \| registry.example\/model:1.0.0 \|  \| 60% \|/);
    expect(r.summary).toMatch(/\| baseline \| registry.example\/model:1.0.0 \|  \| 20% \|/);

    const refs = (await cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' })).spec.rules[0].backendRefs;
    const documented = [
      { name: 'model', port: 80, weight: 60 },
      { name: 'model-canary', port: 80, weight: 20 },
      { name: 'model-baseline', port: 80, weight: 20 },
    ];
    expect(refs).toEqual((await asStored(cluster(), routeRef, { ...before, rules: [{ backendRefs: documented }] })).rules[0].backendRefs);
    expect(refs.reduce((a: number, b: { weight: number }) => a + b.weight, 0)).toBe(100);

    const baseline = (await get(namespace, 'model-baseline'))!;
    const canary = (await get(namespace, 'model-canary'))!;
    expect(baseline.spec!.replicas).toBe(canary.spec!.replicas);
    expect(baseline.spec!.replicas).toBe(1); // ceil(5 x 20%)
    expect(baseline.status?.availableReplicas).toBe(1);
    expect(baseline.spec!.template.spec!.containers[0]).toMatchObject({ image: 'registry.example/model:1.0.0', env: [{ name: 'MODEL_VERSION', value: '1.0.0' }] });
    expect(canary.spec!.template.spec!.containers[0]).toMatchObject({ image: 'r.example/model:2', env: [{ name: 'MODEL_VERSION', value: '2.0.0' }] });
    // Fresh pods of its own, not the stable's warm ones: its own selector, kept out of the stable Service.
    expect(baseline.spec!.selector!.matchLabels).toEqual({ 'ai-deploy.dev/canary-of': 'model', 'ai-deploy.dev/track': 'baseline' });
    expect(baseline.spec!.template.metadata!.labels!.app).toBe('model-baseline');
    expect((await cluster().get(serviceRef(namespace, 'model-baseline'))).spec.selector).toEqual({ 'ai-deploy.dev/canary-of': 'model', 'ai-deploy.dev/track': 'baseline' });
    expect(decodeCanaryState((await get(namespace, 'model'))!.metadata!.annotations)).toMatchObject({ baseline: 'model-baseline', weight: 20 });

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    expect((await cluster().get(routeRef)).spec).toEqual(before); // the route as the server stored it before the canary
    await expectTracksRemoved(namespace);
  });

  it('with the replicas router: canary and baseline get equal pods beside the stable ones; rollback removes both', async () => {
    const namespace = await ns('base-rep');
    await createStable(cluster(), namespace, 'model', { replicas: 6, modelVersion: '1.0.0' });
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '20', baseline: 'true' });
    expect(r.errors).toEqual([]);
    // 6 stable pods at 60% -> 2 canary and 2 baseline pods: 2 / 10 = 20% each.
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);
    expect((await get(namespace, 'model-baseline'))!.spec!.replicas).toBe(2);
    expect(r.outputs.weight).toBe('20');
    const baseline = (await get(namespace, 'model-baseline'))!;
    expect(baseline.spec!.template.metadata!.labels).toMatchObject({ app: 'model', 'ai-deploy.dev/track': 'baseline' }); // in the stable Service
    expect(await livePods(cluster(), namespace, 'app=model')).toHaveLength(10);

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    await expectTracksRemoved(namespace);
    expect(await livePods(cluster(), namespace, 'app=model')).toHaveLength(6);
  });

  it('is refused where it cannot be fair, before changing anything: over 50%, blue-green, nginx', async () => {
    const namespace = await ns('base-bad');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const cases: [Record<string, string>, RegExp][] = [
      [{ weight: '60' }, /Invalid `weight`: '60'. Expected at most 50 with `baseline: true`/],
      [{ strategy: 'blue-green', 'traffic-router': 'gateway-api', route: 'model' }, /`baseline: true` is for `strategy: canary`/],
      [{ 'traffic-router': 'nginx', route: 'model' }, /`baseline: true` is not possible with `traffic-router: nginx`/],
    ];
    for (const [inputs, message] of cases) {
      const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', baseline: 'true', ...inputs });
      expect(r.errors[0]).toMatch(message);
    }
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before);
    expect(await get(namespace, 'model-baseline')).toBeUndefined();
  });
});
