import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { errorRateMetric } from '../actions/monitor-canary-support.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';
import { asStored } from './support/server-defaults.js';

const { cluster, ns } = useSandboxNamespaces();
const route = (namespace: string) => cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });

describe('a canary weight with a fraction', () => {
  it('is set exactly on a gateway-api HTTPRoute: 10.5% as backend weights 21:179, recorded and reported as 10.5', async () => {
    const namespace = await ns('frac-gw');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    const r = await runInProcess(canaryDeploy, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', weight: '10.5' });
    expect(r.errors).toEqual([]);
    const routeRef = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' };
    const stored = await asStored(cluster(), routeRef, { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [
      { name: 'model', port: 80, weight: 179 },
      { name: 'model-canary', port: 80, weight: 21 },
    ] }] });
    expect((await route(namespace)).spec.rules[0].backendRefs).toEqual(stored.rules[0].backendRefs);
    expect(r.outputs.weight).toBe('10.5');
    const stable = await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));
    expect(decodeCanaryState(stable.metadata!.annotations)).toMatchObject({ weight: 10.5 });
    expect(r.summary).toMatch(/\| stable \| .* \| 89.5% \|/);
  });

  it('in monitor-canary `steps` is refused, naming `steps`, before any weight moves on a router of whole percents (istio)', async () => {
    const namespace = await ns('frac-istio');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'model', namespace },
      spec: { hosts: ['model.example.com'], http: [{ route: [{ destination: { host: 'model' } }] }] },
    });
    const kubeconfig = sandboxKubeconfig();
    const started = await runInProcess(canaryDeploy, { kubeconfig, deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'istio', route: 'model', weight: '10' });
    expect(started.errors).toEqual([]);
    const vs = () => cluster().get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' });
    const before = { vs: (await vs()).spec, stable: (await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.annotations };

    const r = await runInProcess(monitorCanary, {
      kubeconfig,
      deployment: 'model',
      namespace,
      'prometheus-url': await prometheusUrl(),
      metrics: errorRateMetric('frac', 'max: 0.05'),
      steps: '10.5,25',
      interval: '2s',
      'step-duration': '4s',
    });
    expect(r.errors).toEqual([
      "Invalid `steps`: '10.5,25'. Expected weights the recorded router can set exactly: a whole percentage with `traffic-router: istio` (its weights are whole percents; `gateway-api` and `smi` take fractions exactly).",
    ]);
    expect({ vs: (await vs()).spec, stable: (await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.annotations }).toEqual(before);
  });
});
