import { afterEach, describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { LABEL_TRACK } from '../../shared/k8s/annotations.js';
import type { Cluster, ObjectRef } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { createHpa } from '../k8s/support/autoscaling.js';

// The canary is sized from the stable replicas serving now: the pods stable runs (`status.replicas`, which the
// deployment controller writes), never more than its spec. A write to `status.replicas` through the status
// subresource does not hold here: the sandbox's deployment controller rewrites it from the ReplicaSets within
// 100 ms. So these specs make the two differ the ways a cluster does: the HPA (simulated: the sandbox runs no HPA
// controller) raises stable's spec while the API server refuses the new pods (a ValidatingAdmissionPolicy, as a
// quota or a policy engine would), or stable rolls out mid-canary with surge pods.
const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

const policies: ObjectRef[] = [];
afterEach(async () => {
  for (const ref of policies.splice(0)) await cluster().remove(ref);
});

/**
 * The API server refuses new stable pods in `namespace` (canary and baseline pods, labelled with their track,
 * still start): what a full ResourceQuota or a policy engine does to a scale-up. Returns a function lifting it.
 */
async function refuseNewStablePods(c: Cluster, namespace: string): Promise<() => Promise<void>> {
  const name = `hold-stable-pods-${namespace}`;
  const policy: ObjectRef = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', namespace: '', name };
  const binding: ObjectRef = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', namespace: '', name };
  await c.create({
    apiVersion: policy.apiVersion,
    kind: policy.kind,
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
      },
      validations: [{ expression: `has(object.metadata.labels) && '${LABEL_TRACK}' in object.metadata.labels`, message: 'no room for more stable pods' }],
    },
  });
  policies.push(policy);
  await c.create({ apiVersion: binding.apiVersion, kind: binding.kind, metadata: { name }, spec: { policyName: name, validationActions: ['Deny'] } });
  policies.push(binding);
  // The API server enforces a new policy after its informer sees it: wait until a stable-like pod is refused.
  const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace, labels: { app: 'probe' } }, spec: { containers: [{ name: 'c', image: 'x' }] } };
  for (let i = 0; ; i++) {
    const admitted = await c.create(probe).then(
      () => true,
      () => false,
    );
    if (!admitted) break;
    await c.remove({ apiVersion: 'v1', kind: 'Pod', namespace, name: 'probe' });
    if (i > 100) throw new Error('the admission policy never took effect');
    await sleep(100);
  }
  return async () => {
    for (const ref of [binding, policy]) await c.remove(ref);
    policies.splice(0);
  };
}

/** Waits until the deployment controller has seen stable's spec and reports `running` pods for it. */
async function stableRuns(namespace: string, spec: number, running: number): Promise<V1Deployment> {
  for (let i = 0; i < 200; i++) {
    const d = (await get(namespace, 'model'))!;
    if (d.spec!.replicas === spec && (d.status?.observedGeneration ?? 0) >= (d.metadata!.generation ?? 0) && d.status?.replicas === running) return d;
    await sleep(50);
  }
  throw new Error(`stable never showed ${running} running pods for a spec of ${spec}`);
}

describe('the canary is sized from the stable replicas serving now, for every router', () => {
  it('replicas router, HPA at 6 of 2..10, 25%: the HPA raises stable\'s spec to 9 (simulated) but the API server refuses the new pods: the canary stays sized from the 6 running (2, not 3); once they run it follows them (3)', async () => {
    const namespace = await ns('srvrep');
    await createStable(cluster(), namespace, 'model', { replicas: 6 });
    await createHpa(cluster(), namespace, { min: 2, max: 10 });
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' })).errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);
    const lift = await refuseNewStablePods(cluster(), namespace);
    await cluster().mergePatch(deploymentRef(namespace, 'model'), { spec: { replicas: 9 } }); // what the HPA writes
    await stableRuns(namespace, 9, 6);

    const canary = (await loadCanary(cluster(), namespace, 'model'))!;
    const state = await setCanaryWeight(cluster(), canary, 25);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2); // 2 of 6 + 2 = 25%; 3 would be from the 9 that do not run
    expect(state.weight).toBe(25);
    expect(await canary.router.carries(25)).toBe(true);

    await lift();
    await waitForRollout(cluster(), namespace, 'model', 30_000);
    await setCanaryWeight(cluster(), canary, 25);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(3); // 3 of 9 + 3
  }, 90_000);

  it('gateway-api, HPA at 6 of 2..10: the HPA raises stable\'s spec to 10 (simulated) but the API server refuses the new pods: at 50% the canary grows to ceil(6 x 50%) = 3, not 5; once they run, to 5', async () => {
    const namespace = await ns('srvgw');
    await createStable(cluster(), namespace, 'model', { replicas: 6 });
    await createHpa(cluster(), namespace, { min: 2, max: 10 });
    await createModelRoute(cluster(), namespace);
    expect(
      (await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25', 'traffic-router': 'gateway-api', route: 'model' })).errors,
    ).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);
    const lift = await refuseNewStablePods(cluster(), namespace);
    await cluster().mergePatch(deploymentRef(namespace, 'model'), { spec: { replicas: 10 } });
    await stableRuns(namespace, 10, 6);

    const canary = (await loadCanary(cluster(), namespace, 'model'))!;
    await setCanaryWeight(cluster(), canary, 50);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(3);

    await lift();
    await waitForRollout(cluster(), namespace, 'model', 30_000);
    await setCanaryWeight(cluster(), canary, 50);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(5);
  }, 90_000);

  it('no autoscaler, replicas router, 20%: stable rolling out mid-canary runs 6 pods for a spec of 4 (2 surge pods): the canary is sized from the 4 it keeps (1), not from the surge (2)', async () => {
    const namespace = await ns('srvsurge');
    await createStable(cluster(), namespace, 'model', { replicas: 4 });
    await cluster().mergePatch(deploymentRef(namespace, 'model'), { spec: { strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } } } });
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '20' })).errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1); // 1 of 4 + 1
    // Someone rolls stable out during the canary (its new pods slow to be ready): 4 old + 2 surge pods run.
    await cluster().mergePatch(deploymentRef(namespace, 'model'), { spec: { template: { metadata: { annotations: { 'ai-deploy.test/ready-delay': '20s' } } } } });
    await stableRuns(namespace, 4, 6);

    const canary = (await loadCanary(cluster(), namespace, 'model'))!;
    await setCanaryWeight(cluster(), canary, 20);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1); // from 6 it would be round(6 x 20/80) = 2
    expect((await get(namespace, 'model'))!.status!.replicas).toBe(6); // still mid-rollout when the canary was sized
  }, 90_000);
});
