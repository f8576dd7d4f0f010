import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import type { KubeObject } from '../../shared/k8s/cluster.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createStable, livePods, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));
const sum = (weights: number[]) => weights.reduce((a, b) => a + b, 0);

/** The canary is gone with everything the router added; stable unchanged and in charge. */
async function expectRolledBack(namespace: string) {
  expect(await get(namespace, 'model-canary')).toBeUndefined();
  expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  expect(await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
  const stable = (await get(namespace, 'model'))!;
  expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
  expect(stable.spec!.template.spec!.containers[0].image).toBe('registry.example/model:1.0.0');
  expect(await cluster().find(serviceRef(namespace, 'model'))).toBeDefined(); // the user's Service is never removed
}

describe('istio router: VirtualService destination weights on the real API server', () => {
  const vs = (namespace: string) => cluster().get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' });

  it('weighs the destinations that reach the stable Service (short and fully qualified hosts), leaves other routes alone, and rollback restores them', async () => {
    const namespace = await ns('istio');
    await createStable(cluster(), namespace, 'model', { replicas: 4 });
    await cluster().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'other', namespace }, spec: { selector: { app: 'other' }, ports: [{ port: 80 }] } });
    const fqdn = `model.${namespace}.svc.cluster.local`;
    await cluster().create({
      apiVersion: 'networking.istio.io/v1beta1', // served at several versions: the router reads it at the first one served
      kind: 'VirtualService',
      metadata: { name: 'model', namespace },
      spec: {
        hosts: ['model.example.com'],
        http: [
          { match: [{ uri: { prefix: '/v1' } }], route: [{ destination: { host: fqdn, port: { number: 80 } } }] },
          { match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'other' } }] },
          { route: [{ destination: { host: 'model', port: { number: 80 } } }] },
        ],
      },
    });

    const before = (await vs(namespace)).spec;
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'istio', route: 'model', weight: '15' });
    expect(r.errors).toEqual([]);
    expect(r.outputs.weight).toBe('15');
    const http = (await vs(namespace)).spec.http;
    expect(http[0].route).toEqual([
      { destination: { host: fqdn, port: { number: 80 } }, weight: 85 },
      { destination: { host: `model-canary.${namespace}.svc.cluster.local`, port: { number: 80 } }, weight: 15 },
    ]);
    expect(http[1].route).toEqual([{ destination: { host: 'other' } }]);
    expect(http[2].route).toEqual([
      { destination: { host: 'model', port: { number: 80 } }, weight: 85 },
      { destination: { host: 'model-canary', port: { number: 80 } }, weight: 15 },
    ]);
    for (const route of [http[0].route, http[2].route]) expect(sum(route.map((d: KubeObject) => d.weight))).toBe(100);
    const canarySvc = await cluster().get(serviceRef(namespace, 'model-canary'));
    expect(canarySvc.spec.selector).toEqual({ 'ai-deploy.dev/canary-of': 'model', 'ai-deploy.dev/track': 'canary' });
    expect(canarySvc.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 80, targetPort: 'http' })]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(1); // ceil(4 x 15%)
    expect((await get(namespace, 'model-canary'))!.spec!.template.metadata!.labels!.app).toBe('model-canary');

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    // The VirtualService exactly as the user wrote it: each stable destination alone again, without a weight.
    expect((await vs(namespace)).spec).toEqual(before);
    expect(before.http[0].route).toEqual([{ destination: { host: fqdn, port: { number: 80 } } }]);
    await expectRolledBack(namespace);
  });

  it('refuses a VirtualService that routes to subsets, before changing anything', async () => {
    const namespace = await ns('istio-sub');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    await cluster().create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'model', namespace },
      spec: { hosts: ['model'], http: [{ route: [{ destination: { host: 'model', subset: 'v1' } }] }] },
    });
    const before = (await vs(namespace)).metadata!.resourceVersion;
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'istio', route: 'model' });
    expect(r.errors[0]).toMatch(/Invalid `route`: VirtualService 'model' routes to subset 'v1' of 'model'/);
    expect((await vs(namespace)).metadata!.resourceVersion).toBe(before);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  });
});

describe('smi router: TrafficSplit backends on the real API server', () => {
  const split = (namespace: string) => cluster().get({ apiVersion: 'split.smi-spec.io/v1alpha3', kind: 'TrafficSplit', namespace, name: 'model' });

  it('weighs the stable and canary backends to 100, and rollback leaves the stable backend alone at 100', async () => {
    const namespace = await ns('smi');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model-root', namespace }, spec: { selector: { app: 'model' }, ports: [{ port: 80 }] } });
    await cluster().create({
      apiVersion: 'split.smi-spec.io/v1alpha3',
      kind: 'TrafficSplit',
      metadata: { name: 'model', namespace },
      spec: { service: 'model-root', backends: [{ service: 'model', weight: 100 }] },
    });

    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'smi', route: 'model', weight: '30' });
    expect(r.errors).toEqual([]);
    expect(r.outputs.weight).toBe('30');
    const stable = (await get(namespace, 'model'))!;
    // Created at v1alpha3, read and recorded at the newest version the cluster serves.
    expect(decodeCanaryState(stable.metadata!.annotations)!.router).toMatchObject({ kind: 'smi', route: 'model', routeApiVersion: 'split.smi-spec.io/v1alpha4' });
    // model-root also selects app=model, but the canary pods do not carry it: they take only the split's share.
    expect((await get(namespace, 'model-canary'))!.spec!.template.metadata!.labels!.app).toBe('model-canary');
    const weighed = (await split(namespace)).spec;
    expect(weighed.service).toBe('model-root');
    expect(weighed.backends).toEqual([
      { service: 'model', weight: 70 },
      { service: 'model-canary', weight: 30 },
    ]);

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    expect((await split(namespace)).spec.backends).toEqual([{ service: 'model', weight: 100 }]);
    await expectRolledBack(namespace);
  });
});
