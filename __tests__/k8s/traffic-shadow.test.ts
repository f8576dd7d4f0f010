import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import type { KubeObject } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { errorRateMetric, recordWeights, writeTraffic } from '../actions/monitor-canary-support.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';
import { expectRefusedBeforeAnyChange } from './support/refused.js';
import { asStored } from './support/server-defaults.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '162', GITHUB_RUN_ATTEMPT: String(n) } });
const stableImage = async (namespace: string) => (await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).spec!.template.spec!.containers[0].image;

type Ref = { apiVersion: string; kind: string; namespace: string; name: string };

/** Shadow canary at 25% mirrored, a monitor step to 60%, a re-run, then `how`; returns the route before and after. */
async function shadowLifecycle(namespace: string, router: string, ref: Ref, how: string, expectAt: (spec: KubeObject, percent: number) => Promise<void>) {
  const before = (await cluster().get(ref)).spec;
  const inputs = { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': router, route: 'model', strategy: 'shadow', 'mirror-percent': '25' };
  const r = await runInProcess(canaryDeploy, inputs, attempt(1));
  expect(r.errors).toEqual([]);
  expect(r.outputs.weight).toBe('25'); // a shadow canary's weight is its mirrored share
  const state = decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.annotations)!;
  expect(state).toMatchObject({ strategy: 'shadow', weight: 25, router: { shadow: true } });
  await expectAt((await cluster().get(ref)).spec, 25);
  const version = (await cluster().get(ref)).metadata!.resourceVersion;
  expect((await runInProcess(canaryDeploy, inputs, attempt(2))).errors).toEqual([]);
  expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(version);

  // A monitor step raises the mirrored share, never the user traffic.
  const next = await setCanaryWeight(cluster(), (await loadCanary(cluster(), namespace, 'model'))!, 60);
  expect(next.weight).toBe(60);
  await expectAt((await cluster().get(ref)).spec, 60);

  const end = how === 'promote' ? await runInProcess(promote, { ...kube(), deployment: 'model', namespace }) : await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
  expect(end.errors).toEqual([]);
  // Promote moves real traffic at once: stable itself now runs the canary's image.
  expect(await stableImage(namespace)).toBe(how === 'promote' ? 'r.example/model:2' : 'registry.example/model:1.0.0');
  return { before, after: (await cluster().get(ref)).spec };
}

describe('strategy: shadow on gateway-api (RequestMirror with percent)', () => {
  const ref = (namespace: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
  it.each([['promote'], ['rollback']])('mirrors the share to the canary at weight 0, a monitor step raises it, and %s removes the mirror', async (how) => {
    const namespace = await ns(`gw-shadow-${how}`);
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({ ...ref(namespace), metadata: { name: 'model', namespace }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'model', port: 80 }] }] } });
    // The documented rule, as the API server stores it (the upstream CRD's defaults applied).
    const { before, after } = await shadowLifecycle(namespace, 'gateway-api', ref(namespace), how, async (spec, percent) =>
      expect(spec.rules).toEqual((await asStored(cluster(), ref(namespace), { ...spec, rules: [
        {
          backendRefs: [
            { name: 'model', port: 80, weight: 100 },
            { name: 'model-canary', port: 80, weight: 0 },
          ],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'model-canary', port: 80 }, percent } }],
        },
      ] })).rules),
    );
    expect(after).toEqual(before); // exactly as the server stored it before the canary
  });
});

describe('strategy: shadow on istio (mirror, mirrorPercentage)', () => {
  const ref = (namespace: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' });
  it.each([['promote'], ['rollback']])('mirrors the share to the canary at weight 0, a monitor step raises it, and %s removes the mirror', async (how) => {
    const namespace = await ns(`istio-shadow-${how}`);
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({ ...ref(namespace), metadata: { name: 'model', namespace }, spec: { hosts: ['model.example.com'], http: [{ route: [{ destination: { host: 'model', port: { number: 80 } } }] }] } });
    const { before, after } = await shadowLifecycle(namespace, 'istio', ref(namespace), how, async (spec, percent) =>
      expect(spec.http).toEqual([
        {
          route: [
            { destination: { host: 'model', port: { number: 80 } }, weight: 100 },
            { destination: { host: 'model-canary', port: { number: 80 } }, weight: 0 },
          ],
          mirror: { host: 'model-canary', port: { number: 80 } },
          mirrorPercentage: { value: percent },
        },
      ]),
    );
    expect(after).toEqual(before); // the user's single destination, without a weight, as it was
  });
});

describe('monitor-canary on a shadow canary', () => {
  it('judges it on its metrics against stable, its steps raise the mirrored share, and the canary never gets user traffic', async () => {
    const namespace = await ns('shadow-monitor');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' };
    await cluster().create({ ...ref, metadata: { name: 'model', namespace }, spec: { hosts: ['model.example.com'], http: [{ route: [{ destination: { host: 'model' } }] }] } });
    const deployed = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'istio', route: 'model', strategy: 'shadow', 'mirror-percent': '10' });
    expect(deployed.errors).toEqual([]);
    const app = uniqueApp('shadowmc');
    // The mirrored requests are the canary's traffic: as healthy as stable's.
    await writeTraffic(await prometheusUrl(), app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 500, errors: 5 } });
    const weights = recordWeights(cluster(), namespace, 'model');
    const r = await runInProcess(monitorCanary, {
      ...kube(),
      deployment: 'model',
      namespace,
      'prometheus-url': await prometheusUrl(),
      metrics: errorRateMetric(app, 'max-increase: 50%\nmax: 0.05'),
      steps: '40,70',
      interval: '2s',
      'step-duration': '4s',
    });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ verdict: 'pass', weight: '70' });
    expect(await weights.stop()).toEqual([10, 40, 70]);
    const http = (await cluster().get(ref)).spec.http;
    expect(http).toEqual([
      {
        route: [
          { destination: { host: 'model' }, weight: 100 },
          { destination: { host: 'model-canary' }, weight: 0 },
        ],
        mirror: { host: 'model-canary' },
        mirrorPercentage: { value: 70 },
      },
    ]);
  }, 60_000);
});

describe('strategy: shadow: bad input fails naming the input, before anything changes', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['shadow on nginx', { strategy: 'shadow', 'traffic-router': 'nginx', route: 'model' }, /^Invalid `strategy`: 'shadow'\. Expected `canary` or `blue-green` with `traffic-router: nginx`/],
    ['mirror-percent 0', { strategy: 'shadow', 'traffic-router': 'istio', route: 'model', 'mirror-percent': '0' }, /^Invalid `mirror-percent`: '0'/],
    ['mirror-percent 150', { strategy: 'shadow', 'traffic-router': 'istio', route: 'model', 'mirror-percent': '150' }, /^Invalid `mirror-percent`: '150'/],
    ['mirror-percent without shadow', { 'traffic-router': 'istio', route: 'model', 'mirror-percent': '50' }, /^Invalid `mirror-percent`: '50'\. Expected no `mirror-percent` unless `strategy: shadow`/],
    ['shadow with match', { strategy: 'shadow', 'traffic-router': 'istio', route: 'model', match: '- header: x-canary\n  value: "1"\n' }, /`match` sends user requests to the canary; `strategy: shadow` gives it none/],
  ])('%s', async (_label, extra, message) => {
    await expectRefusedBeforeAnyChange(cluster(), await ns('shadow-bad'), extra, message);
  });
});
