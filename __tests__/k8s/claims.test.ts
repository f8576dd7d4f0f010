import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { CanaryLost, changedBy, ClaimMismatch, claimOf } from '../../shared/canary/claim.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { decodeProgress, encodeProgress, PROGRESS } from '../../shared/canary/progress.js';
import { encodeCanaryState, type CanaryState } from '../../shared/canary/state.js';
import { PROMOTION, ROLLBACK } from '../../shared/k8s/annotations.js';
import { deploymentRef, ingressRef, serviceRef } from '../../shared/k8s/objects.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { createModelIngress, createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';

const state: CanaryState = {
  phase: 'ready',
  strategy: 'canary',
  router: { kind: 'replicas' },
  container: 'model',
  canary: 'shop-canary',
  stableImage: 'shop:1',
  canaryImage: 'shop:2',
  weight: 10,
  startedAt: '2026-12-06T10:00:00.000Z',
  owner: 'run-1',
  runUrl: 'https://github.com/acme/shop/actions/runs/1',
};
const deployment = (annotations: Record<string, string>): V1Deployment => ({ metadata: { name: 'shop', annotations } });
const canaryDeployment: V1Deployment = { metadata: { name: 'shop-canary' } };

describe('who changed a canary a step planned from', () => {
  it('nobody, while it is recorded with the same claim and its Deployment exists', () => {
    expect(changedBy(deployment(encodeCanaryState(state)), canaryDeployment, state)).toBeUndefined();
  });

  it('names the rollback, the promotion, the takeover, the replacement, a rollback under way and a deleted canary', () => {
    const rolledBack = { [ROLLBACK.at]: '2026-12-06T10:05:00.000Z', [ROLLBACK.by]: 'https://ci/runs/2', [ROLLBACK.reason]: 'error rate' };
    expect(changedBy(deployment(rolledBack), undefined, state)).toBe('was rolled back by https://ci/runs/2 at 2026-12-06T10:05:00.000Z (error rate)');
    expect(changedBy(deployment({ [PROMOTION.promotedAt]: '2026-12-06T10:06:00.000Z', [PROMOTION.promotedBy]: 'https://ci/runs/3' }), undefined, state)).toBe(
      'was promoted by https://ci/runs/3 at 2026-12-06T10:06:00.000Z',
    );
    const takenOver = { ...state, owner: 'run-9', runUrl: 'https://ci/runs/9' };
    expect(changedBy(deployment(encodeCanaryState(takenOver)), canaryDeployment, state)).toBe('was taken over by https://ci/runs/9');
    const replaced = { ...state, owner: 'run-9', startedAt: '2026-12-06T11:00:00.000Z', runUrl: undefined };
    expect(changedBy(deployment(encodeCanaryState(replaced)), canaryDeployment, state)).toBe('was replaced by another canary started 2026-12-06T11:00:00.000Z');
    const rolling = { ...encodeCanaryState(state), ...encodeProgress({ step: 'rollback', stage: 'started', at: '2026-12-06T10:07:00.000Z', by: 'https://ci/runs/4', reason: 'manual' }) };
    expect(changedBy(deployment(rolling), canaryDeployment, state)).toBe('is being changed by a rollback (started) by https://ci/runs/4 at 2026-12-06T10:07:00.000Z: manual');
    expect(changedBy(deployment(rolling), canaryDeployment, state, 'rollback')).toBeUndefined();
    expect(changedBy(deployment(encodeCanaryState(state)), undefined, state)).toBe('has no Deployment shop-canary any more (deleted)');
    // An older rollback record does not explain a newer canary's loss.
    expect(changedBy(deployment({ [ROLLBACK.at]: '2026-12-06T09:00:00.000Z' }), undefined, state)).toBe('is no longer recorded on shop (its state was removed)');
    expect(claimOf(state)).toBe('run-1@2026-12-06T10:00:00.000Z');
  });

  it('reads back the progress a step recorded, and treats an unreadable record as none', () => {
    const p = { step: 'promote' as const, stage: 'stable-updated', at: '2026-12-06T10:08:00.000Z', by: 'https://ci/runs/5' };
    expect(decodeProgress(encodeProgress(p))).toEqual(p);
    expect(decodeProgress({ [PROGRESS]: '{not json' })).toBeUndefined();
    expect(decodeProgress({ [PROGRESS]: '{"step":1}' })).toBeUndefined();
  });
});

describe('late traffic writes on the sandbox cluster', () => {
  const { cluster, ns } = useSandboxNamespaces();
  const kube = () => ({ kubeconfig: sandboxKubeconfig() });

  it('replicas: a weight planned before a rollback fails naming it and creates no canary Deployment', async () => {
    const namespace = await ns('clm-rep');
    await createStable(cluster(), namespace, 'model', { replicas: 3 });
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' })).errors).toEqual([]);
    const loaded = (await loadCanary(cluster(), namespace, 'model'))!;
    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'late write test' })).errors).toEqual([]);
    const error = await setCanaryWeight(cluster(), loaded, 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanaryLost);
    expect((error as Error).message).toMatch(new RegExp(`^The canary ${namespace}/model-canary was rolled back at \\S+ \\(late write test\\); this step changed nothing more\\.$`));
    // The router's own write is conditional too (a write already past the state check): it creates nothing.
    await expect(loaded.router.setWeight(50)).rejects.toBeInstanceOf(ClaimMismatch);
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
  });

  it('nginx: a weight planned before a rollback fails and re-creates neither the canary Ingress nor its Service', async () => {
    const namespace = await ns('clm-ngx');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelIngress(cluster(), namespace);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'nginx', route: 'model', weight: '10' })).errors).toEqual([]);
    const loaded = (await loadCanary(cluster(), namespace, 'model'))!;
    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'late write test' })).errors).toEqual([]);
    await expect(setCanaryWeight(cluster(), loaded, 30)).rejects.toThrow(/was rolled back at \S+ \(late write test\)/);
    await expect(loaded.router.setWeight(30)).rejects.toBeInstanceOf(ClaimMismatch);
    expect(await cluster().find(ingressRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  });

  it('gateway-api: a weight planned before a takeover fails naming the run that took it over', async () => {
    const namespace = await ns('clm-gw');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' })).errors).toEqual([]);
    const loaded = (await loadCanary(cluster(), namespace, 'model'))!;
    // Another run takes the canary over: the recorded owner changes, and its claim on the routing with it.
    const other = { ...loaded.state, owner: 'run-other', runUrl: 'https://github.com/acme/model/actions/runs/99' };
    await cluster().mergePatch(deploymentRef(namespace, 'model'), { metadata: { annotations: encodeCanaryState(other) } });
    await expect(setCanaryWeight(cluster(), loaded, 30)).rejects.toThrow(`The canary ${namespace}/model-canary was taken over by https://github.com/acme/model/actions/runs/99; this step changed nothing more.`);
    const route = await cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
    expect(route.spec.rules[0].backendRefs.map((b: { weight: number }) => b.weight)).toEqual([90, 10]);
  });

  it('refusing a second canary, reports the traffic the router gives the first one now, not the weight recorded', async () => {
    const namespace = await ns('clm-ref');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' })).errors).toEqual([]);
    // Someone (a GitOps controller, a person) moved the route to 35% since.
    await cluster().update({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' }, (r) => {
      r.spec.rules[0].backendRefs = [{ name: 'model', port: 80, weight: 65 }, { name: 'model-canary', port: 80, weight: 35 }];
      return true;
    });
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:3', 'traffic-router': 'gateway-api', route: 'model' });
    expect(r.errors).toEqual([expect.stringMatching(/^A canary for Deployment .*\/model is already in progress: model-canary \(image r\.example\/model:2, 35% traffic via gateway-api, started/)]);
  });

  it('a canary Deployment deleted by hand while its weight is written has its traffic taken away again', async () => {
    const namespace = await ns('clm-del');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' })).errors).toEqual([]);
    const proxy = await FaultProxy.start(sandboxKubeconfig());
    try {
      const viaProxy = await connectCluster(proxy.kubeconfigYaml());
      const loaded = (await loadCanary(viaProxy, namespace, 'model'))!;
      // The route write is held while someone deletes the canary Deployment: the write lands after the delete.
      const hold = proxy.hold((r) => r.method === 'PUT' && r.path.endsWith('/httproutes/model'));
      void hold.held.then(async () => {
        await cluster().remove(deploymentRef(namespace, 'model-canary'));
        hold.release();
      });
      await expect(setCanaryWeight(viaProxy, loaded, 40)).rejects.toThrow(`The canary ${namespace}/model-canary has no Deployment model-canary any more (deleted); this step changed nothing more.`);
      const route = await cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
      expect(route.spec.rules[0].backendRefs.map((b: { name: string; weight: number }) => [b.name, b.weight])).toEqual([['model', 100], ['model-canary', 0]]);
    } finally {
      await proxy.stop();
    }
  });
});
