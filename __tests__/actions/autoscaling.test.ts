import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as post } from '../../actions/canary-deploy/post.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { RESTORE } from '../../shared/canary/autoscaler.js';
import { runEnv, waitForExpiry } from './canary-lease-support.js';
import type { KubeObject, ObjectRef } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { createModelRoute, createStable, deploymentSnapshot, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { createHpa, hpaRef, watchCapacity } from '../k8s/support/autoscaling.js';

// Exact replica counts at chosen moments: where the HPA would scale stable, these tests write stable's replica count
// exactly as the HPA controller does (spec.replicas of the Deployment, through which its scale subresource writes),
// and say so in their names. The sandbox's real HPA controller runs too, but their pods request no CPU, so it only
// keeps the counts within min and max (as it does with no metrics). The real controller scaling from emulated CPU
// is __tests__/k8s/hpa-real.test.ts. No KEDA operator runs: a ScaledObject is only the object it owns the HPA by.
const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const soRef = (namespace: string, name: string): ObjectRef => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', namespace, name });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));

/** What the HPA controller does when it decides on `replicas`: writes the Deployment's replica count; then it rolls out. */
async function hpaScalesStableTo(namespace: string, replicas: number) {
  await cluster().mergePatch(deploymentRef(namespace, 'model'), { spec: { replicas } });
  await waitForRollout(cluster(), namespace, 'model', 30_000);
}

/** The parts of an HPA or ScaledObject ai-deploy could change: its spec and annotations. */
async function scalerSnapshot(ref: ObjectRef) {
  const o = await cluster().get(ref);
  return { spec: o.spec, annotations: o.metadata?.annotations ?? {} };
}

/** Stable `model` at 6 replicas (as the HPA left it) with an HPA `model` of 2..10 on it. */
async function autoscaledStable(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 6 });
  await createHpa(cluster(), namespace, { min: 2, max: 10 });
  return namespace;
}

describe('canary-deploy with an HPA on the stable Deployment', () => {
  it('replicas router, HPA at 6 of 2..10, 25%: canary sized from stable\'s 6 running replicas, HPA minimum held at 6 and recorded, re-sized as the HPA scales up and down (HPA scaling simulated), rollback restores the HPA exactly', async () => {
    const namespace = await autoscaledStable('hparep');
    const before = await scalerSnapshot(hpaRef(namespace, 'model'));
    const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '15', GITHUB_RUN_ATTEMPT: String(n) } });
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' }, attempt(1));
    expect(r.errors).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(new RegExp(`autoscaled by HorizontalPodAutoscaler ${namespace}/model \\(2\\.\\.10, now 6 replicas\\).*minimum is raised to 6`));
    // Canary pods match stable's selector here, so the HPA's resource metrics count them: the user is told.
    expect(r.warnings.join('\n')).toMatch(/canary's pods carry stable's labels .* counts their CPU and memory too: a canary that runs hotter scales stable up, to at most 10\./);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2); // 2 of 8 pods = 25%
    expect((await get(namespace, 'model'))!.spec!.replicas).toBe(6); // stable's count stays the HPA's
    const held = await cluster().get(hpaRef(namespace, 'model'));
    expect(held.spec.minReplicas).toBe(6);
    expect(JSON.parse(held.metadata!.annotations![RESTORE])).toEqual({ deployment: 'model', min: 2 });

    // Re-running (the run's next attempt) converges: the record keeps the user's minimum, nothing is raised twice.
    const again = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' }, attempt(2));
    expect(again.errors).toEqual([]);
    expect(await scalerSnapshot(hpaRef(namespace, 'model'))).toEqual({ spec: held.spec, annotations: held.metadata!.annotations });

    // The HPA scales stable up, then back down, mid-canary: each weight change sizes the canary from stable's count.
    const canary = (await loadCanary(cluster(), namespace, 'model'))!;
    await hpaScalesStableTo(namespace, 9);
    await setCanaryWeight(cluster(), canary, 25);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(3); // 3 of 12
    await hpaScalesStableTo(namespace, 6);
    await setCanaryWeight(cluster(), canary, 25);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect(await scalerSnapshot(hpaRef(namespace, 'model'))).toEqual(before);
  }, 90_000);

  it('gateway-api, HPA at 6 of 2..10, 25%: canary of 2; promote brings the new stable to 8 ready (6 + 2) before the canary loses traffic, never fewer than 6 ready while it holds traffic, shows the counts, and restores the HPA exactly', async () => {
    const namespace = await autoscaledStable('hpagw');
    await createModelRoute(cluster(), namespace);
    const before = await scalerSnapshot(hpaRef(namespace, 'model'));
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25', 'traffic-router': 'gateway-api', route: 'model' });
    expect(r.errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2); // ceil(6 x 25%)
    expect((await cluster().get(hpaRef(namespace, 'model'))).spec.minReplicas).toBe(6);

    // Watch stable's ready pods, and the canary's route weight, all through the promotion.
    const capacity = watchCapacity(cluster(), namespace);
    const p = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    const seen = await capacity.stop();
    expect(p.errors).toEqual([]);
    expect(seen.length).toBeGreaterThan(3);
    expect(Math.min(...seen.map((s) => s.stableReady))).toBeGreaterThanOrEqual(6);
    // The canary kept its traffic until stable had all 8 ready.
    const cut = seen.findIndex((s) => s.canaryWeight === 0);
    expect(cut).toBeGreaterThan(0);
    expect(seen.slice(0, cut).every((s) => s.stableReady >= 6)).toBe(true);
    expect(seen[cut].stableReady).toBeGreaterThanOrEqual(8);
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.replicas).toBe(8);
    expect(stable.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(p.summary).toMatch(/\| ready replicas before \| 6 \| 2 \| 8 \|/);
    expect(p.summary).toMatch(/\| ready replicas after \| 8 \| 0 \| 8 \|/);
    expect(await scalerSnapshot(hpaRef(namespace, 'model'))).toEqual(before);
  }, 90_000);

  it('gateway-api: the canary follows its weight from stable\'s running replicas as the HPA scales stable up mid-canary (HPA scaling simulated): grown and ready before more traffic, shrunk only after less', async () => {
    const namespace = await autoscaledStable('hpagrow');
    await createModelRoute(cluster(), namespace);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25', 'traffic-router': 'gateway-api', route: 'model' })).errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);
    await hpaScalesStableTo(namespace, 10);
    const routeRef = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' };
    const seen: { weight: number; canaryReady: number }[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const [route, c] = await Promise.all([cluster().get(routeRef), get(namespace, 'model-canary')]);
        seen.push({ weight: route.spec.rules[0].backendRefs.find((b: { name: string }) => b.name === 'model-canary')?.weight ?? 0, canaryReady: c?.status?.readyReplicas ?? 0 });
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const canary = (await loadCanary(cluster(), namespace, 'model'))!;
    await setCanaryWeight(cluster(), canary, 50);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(5); // ceil(10 x 50%)
    await setCanaryWeight(cluster(), canary, 25);
    watching = false;
    await watch;
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(3); // ceil(10 x 25%)
    const at50 = seen.filter((x) => x.weight === 50);
    expect(at50.length).toBeGreaterThan(0);
    expect(Math.min(...at50.map((x) => x.canaryReady))).toBeGreaterThanOrEqual(5);
  }, 90_000);

  it('a cancelled canary-deploy (its post step, with the unfinished state a killed main leaves) restores the HPA exactly', async () => {
    const namespace = await autoscaledStable('hpacancel');
    const before = await scalerSnapshot(hpaRef(namespace, 'model'));
    const main = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' });
    expect(main.errors).toEqual([]);
    expect((await cluster().get(hpaRef(namespace, 'model'))).spec.minReplicas).toBe(6);
    // A main killed after its claim never saves `finished: true`; its post step then finds this state.
    const state = { ...main.state, canary: JSON.stringify({ ...JSON.parse(main.state.canary), finished: false }) };
    const cancelled = await runInProcess(post, { ...kube(), deployment: 'model', namespace }, { state });
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.warnings.join('\n')).toMatch(/canary-deploy did not finish: restoring stable/);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect(await scalerSnapshot(hpaRef(namespace, 'model'))).toEqual(before);
  }, 90_000);
});

describe('an abandoned canary on an autoscaled Deployment', () => {
  it('taken over by the next canary-deploy: the HPA gets its own minimum back (the new canary raises it again, recording the user\'s minimum, not ours); swept by auto-rollback mode: abandoned: restored exactly', async () => {
    const namespace = await autoscaledStable('hpatake');
    const before = await scalerSnapshot(hpaRef(namespace, 'model'));
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25', lease: '2s' }, { env: runEnv('100') })).errors).toEqual([]);
    await waitForExpiry(cluster(), namespace);
    const next = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:3', weight: '25', lease: '2s' }, { env: runEnv('200') });
    expect(next.errors).toEqual([]);
    expect(next.stdout).toMatch(new RegExp(`HorizontalPodAutoscaler ${namespace}/model: minimum restored to 2`));
    const held = await cluster().get(hpaRef(namespace, 'model'));
    expect([held.spec.minReplicas, JSON.parse(held.metadata!.annotations![RESTORE])]).toEqual([6, { deployment: 'model', min: 2 }]);

    await waitForExpiry(cluster(), namespace);
    const sweep = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'abandoned' }, { env: runEnv('300') });
    expect(sweep.errors).toEqual([]);
    expect(sweep.outputs).toMatchObject({ 'rolled-back': 'true' });
    expect(await scalerSnapshot(hpaRef(namespace, 'model'))).toEqual(before);
  }, 90_000);
});

describe('canary-deploy with a KEDA ScaledObject owning the HPA', () => {
  it('raises the ScaledObject\'s minReplicaCount (not the HPA KEDA rewrites), records it there, and rollback restores it exactly; the HPA is never touched', async () => {
    const namespace = await ns('keda');
    await createStable(cluster(), namespace, 'model', { replicas: 6 });
    const so: KubeObject = await cluster().create<KubeObject>({
      ...soRef(namespace, 'model'),
      metadata: { name: 'model', namespace },
      spec: { scaleTargetRef: { name: 'model' }, minReplicaCount: 2, maxReplicaCount: 10, triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(queue_depth)', threshold: '10' } }] },
    });
    // The HPA KEDA makes for it (named and labelled as KEDA does, owned by the ScaledObject).
    await createHpa(cluster(), namespace, {
      name: 'keda-hpa-model',
      min: 2,
      max: 10,
      metadata: {
        labels: { 'scaledobject.keda.sh/name': 'model' },
        ownerReferences: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'model', uid: so.metadata!.uid!, controller: true }],
      },
    });
    const soBefore = await scalerSnapshot(soRef(namespace, 'model'));
    const hpaBefore = await scalerSnapshot(hpaRef(namespace, 'keda-hpa-model'));
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' });
    expect(r.errors).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(new RegExp(`autoscaled by ScaledObject ${namespace}/model \\(2\\.\\.10, now 6 replicas\\)`));
    const held = await cluster().get(soRef(namespace, 'model'));
    expect(held.spec.minReplicaCount).toBe(6);
    expect(JSON.parse(held.metadata!.annotations![RESTORE])).toEqual({ deployment: 'model', min: 2 });
    expect(await scalerSnapshot(hpaRef(namespace, 'keda-hpa-model'))).toEqual(hpaBefore);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);

    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' })).errors).toEqual([]);
    expect(await scalerSnapshot(soRef(namespace, 'model'))).toEqual(soBefore);
    expect(await scalerSnapshot(hpaRef(namespace, 'keda-hpa-model'))).toEqual(hpaBefore);
  }, 90_000);
});

describe('odd autoscaling: clear errors or warnings naming the object, nothing changed', () => {
  it('two HPAs on one Deployment: refused naming both; stable, HPAs unchanged, no canary', async () => {
    const namespace = await autoscaledStable('hpatwo');
    await createHpa(cluster(), namespace, { name: 'model-gpu', min: 2, max: 8 });
    const snaps = async () => [await deploymentSnapshot(cluster(), namespace, 'model'), await scalerSnapshot(hpaRef(namespace, 'model')), await scalerSnapshot(hpaRef(namespace, 'model-gpu'))];
    const before = await snaps();
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' });
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toMatch(new RegExp(`scaled by 2 autoscalers \\(HorizontalPodAutoscaler ${namespace}/model(-gpu)?, HorizontalPodAutoscaler ${namespace}/model(-gpu)?\\).*AmbiguousSelector.*nothing was changed`));
    expect(r.stdout).not.toMatch(/at .*\.ts:\d+/);
    expect(await snaps()).toEqual(before);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  }, 60_000);

  it('an HPA whose max is below what the weight needs on the replicas router: refused naming the HPA and the max needed; nothing changed', async () => {
    const namespace = await ns('hpamax');
    await createStable(cluster(), namespace, 'model', { replicas: 3 });
    await createHpa(cluster(), namespace, { min: 2, max: 4 });
    const before = [await deploymentSnapshot(cluster(), namespace, 'model'), await scalerSnapshot(hpaRef(namespace, 'model'))];
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '10' });
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toMatch(new RegExp(`HorizontalPodAutoscaler ${namespace}/model allows at most 4 replicas of Deployment model: .*one canary pod already take 20% .*more than the \`weight\` 10%\\. Raise its max to at least 9`));
    expect([await deploymentSnapshot(cluster(), namespace, 'model'), await scalerSnapshot(hpaRef(namespace, 'model'))]).toEqual(before);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  }, 60_000);

  it('an HPA named after the Deployment that scales another one: a warning naming it; that HPA is left untouched and stable treated as not autoscaled', async () => {
    const namespace = await ns('hpaother');
    await createStable(cluster(), namespace, 'model', { replicas: 4 });
    await createHpa(cluster(), namespace, { target: 'model-v1', min: 2, max: 10 });
    const before = await scalerSnapshot(hpaRef(namespace, 'model'));
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '20' });
    expect(r.errors).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(new RegExp(`HorizontalPodAutoscaler ${namespace}/model scales Deployment model-v1, not Deployment model: ai-deploy leaves it alone`));
    expect(await scalerSnapshot(hpaRef(namespace, 'model'))).toEqual(before);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1); // 1 of 5 = 20%, from the manifest's 4
  }, 60_000);
});
