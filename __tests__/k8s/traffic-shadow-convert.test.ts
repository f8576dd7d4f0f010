import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import type { KubeObject } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { errorRateMetric, recordWeights, writeTraffic } from '../actions/monitor-canary-support.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { createStable, deploymentSnapshot, livePods, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '1616', GITHUB_RUN_ATTEMPT: String(n), GITHUB_JOB: 'rollout' } });
const stableOf = (namespace: string) => cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));
const stateOf = async (namespace: string) => decodeCanaryState((await stableOf(namespace)).metadata!.annotations);
const canaryOf = (namespace: string) => cluster().get<V1Deployment>(deploymentRef(namespace, 'model-canary'));
const podNames = async (namespace: string) => (await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).map((p) => p.metadata!.name!);

type Ref = { apiVersion: string; kind: string; namespace: string; name: string };

/** What the route object must be in each phase, as the router's documentation says (docs/routers.md). */
interface RouterCase {
  ref: (namespace: string) => Ref;
  create: (namespace: string) => Promise<unknown>;
  /** The rules (HTTPRoute) or http routes (VirtualService) of the route object. */
  rules: (spec: KubeObject['spec']) => unknown;
  shadowAt: (percent: number) => unknown;
  weightedAt: (weight: number) => unknown;
  /** After promote or rollback: the route exactly as the server stored it before the canary (stable alone, its own weight). */
  restored: unknown;
}

const SERVICE = { group: '', kind: 'Service' };
const MATCH_ALL = [{ path: { type: 'PathPrefix', value: '/' } }];

const gateway: RouterCase = {
  ref: (namespace) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' }),
  // Written with the fields the upstream CRD defaults (group, kind, the match), so the route reads the same on any CRD.
  create: (namespace) =>
    cluster().create({ ...gateway.ref(namespace), metadata: { name: 'model', namespace }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: MATCH_ALL, backendRefs: [{ ...SERVICE, name: 'model', port: 80 }] }] } }),
  rules: (spec) => spec.rules,
  shadowAt: (percent) => [
    {
      matches: MATCH_ALL,
      backendRefs: [
        { ...SERVICE, name: 'model', port: 80, weight: 100 },
        { ...SERVICE, name: 'model-canary', port: 80, weight: 0 },
      ],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { ...SERVICE, name: 'model-canary', port: 80 }, percent } }],
    },
  ],
  weightedAt: (weight) => [
    {
      matches: MATCH_ALL,
      backendRefs: [
        { ...SERVICE, name: 'model', port: 80, weight: 100 - weight },
        { ...SERVICE, name: 'model-canary', port: 80, weight },
      ],
    },
  ],
  restored: [{ matches: MATCH_ALL, backendRefs: [{ ...SERVICE, name: 'model', port: 80, weight: 1 }] }], // the CRD's default weight, as created
};

const istio: RouterCase = {
  ref: (namespace) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' }),
  create: (namespace) =>
    cluster().create({ ...istio.ref(namespace), metadata: { name: 'model', namespace }, spec: { hosts: ['model.example.com'], http: [{ route: [{ destination: { host: 'model', port: { number: 80 } } }] }] } }),
  rules: (spec) => spec.http,
  shadowAt: (percent) => [
    {
      route: [
        { destination: { host: 'model', port: { number: 80 } }, weight: 100 },
        { destination: { host: 'model-canary', port: { number: 80 } }, weight: 0 },
      ],
      mirror: { host: 'model-canary', port: { number: 80 } },
      mirrorPercentage: { value: percent },
    },
  ],
  weightedAt: (weight) => [
    {
      route: [
        { destination: { host: 'model', port: { number: 80 } }, weight: 100 - weight },
        { destination: { host: 'model-canary', port: { number: 80 } }, weight },
      ],
    },
  ],
  restored: [{ route: [{ destination: { host: 'model', port: { number: 80 } } }] }], // as created: a lone destination needs no weight
};

const CASES: [string, RouterCase][] = [
  ['gateway-api', gateway],
  ['istio', istio],
];

const shadowInputs = (namespace: string, router: string) => ({
  ...kube(),
  deployment: 'model',
  namespace,
  image: 'r.example/model:2',
  'traffic-router': router,
  route: 'model',
  strategy: 'shadow',
  'mirror-percent': '50',
});
const convertInputs = (namespace: string, router: string, extra: Record<string, string> = {}) => {
  const { strategy: _shadow, 'mirror-percent': _share, ...rest } = shadowInputs(namespace, router);
  return { ...rest, strategy: 'canary', weight: '10', ...extra };
};

/** A stable of 4 replicas behind the router's route, and a shadow canary mirroring 50% of its requests (2 pods). */
async function shadowCanary(prefix: string, router: string, c: RouterCase): Promise<string> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 4 });
  await c.create(namespace);
  const r = await runInProcess(canaryDeploy, shadowInputs(namespace, router), attempt(1));
  expect(r.errors).toEqual([]);
  expect(c.rules((await cluster().get(c.ref(namespace))).spec)).toEqual(c.shadowAt(50));
  expect((await canaryOf(namespace)).spec!.replicas).toBe(2);
  return namespace;
}

describe.each(CASES)('a shadow canary turned into a weighted canary on %s', (router, c) => {
  it.each([['promote'], ['rollback']])(
    're-running canary-deploy with strategy: canary removes the mirror and sets the weight in one route write, keeps the canary pods, re-runs change nothing, monitor steps move real traffic, and %s restores the stable route',
    async (how) => {
      const namespace = await shadowCanary(`conv-${router === 'istio' ? 'is' : 'gw'}-${how.slice(0, 4)}`, router, c);
      const ref = c.ref(namespace);
      const template = (await canaryOf(namespace)).spec!.template;
      const podsBefore = await podNames(namespace);
      const generation = (await cluster().get(ref)).metadata!.generation!;

      const converted = await runInProcess(canaryDeploy, convertInputs(namespace, router), attempt(1));
      expect(converted.errors).toEqual([]);
      expect(converted.outputs).toMatchObject({ canary: 'model-canary', 'canary-image': 'r.example/model:2', weight: '10' });
      expect(converted.stdout).toMatch(/Turning the shadow canary into a weighted canary/);
      expect(converted.summary).toMatch(/Turned from a shadow canary into a weighted canary: monitor-canary now walks its `steps` on real traffic/);
      // One spec write: never a moment with both the mirror and a weight, or with neither a mirror nor the weight.
      const route = await cluster().get(ref);
      expect(route.metadata!.generation).toBe(generation + 1);
      expect(c.rules(route.spec)).toEqual(c.weightedAt(10));
      const state = (await stateOf(namespace))!;
      expect(state).toMatchObject({ strategy: 'canary', phase: 'ready', weight: 10, canaryImage: 'r.example/model:2' });
      expect(state.router.shadow).toBeUndefined();
      // The same pods (same template, no restart), sized for 10% of 4 stable replicas.
      const canary = await canaryOf(namespace);
      expect(canary.spec!.template).toEqual(template);
      expect(canary.spec!.replicas).toBe(1);
      const podsAfter = await podNames(namespace);
      expect(podsAfter.length).toBeGreaterThan(0);
      for (const pod of podsAfter) expect(podsBefore).toContain(pod);

      // A re-run of the conversion (a later attempt) finds it done and writes nothing to the route or the canary.
      const version = route.metadata!.resourceVersion;
      const canaryBefore = await deploymentSnapshot(cluster(), namespace, 'model-canary');
      const again = await runInProcess(canaryDeploy, convertInputs(namespace, router), attempt(2));
      expect(again.errors).toEqual([]);
      expect(again.stdout).toMatch(/nothing to change/);
      expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(version);
      expect(await deploymentSnapshot(cluster(), namespace, 'model-canary')).toEqual(canaryBefore);
      expect(await stateOf(namespace)).toEqual(state);
      // Re-running the whole workflow: its shadow step is refused on the weighted canary, and takes nothing back to a mirror.
      const shadowAgain = await runInProcess(canaryDeploy, shadowInputs(namespace, router), attempt(3));
      expect(shadowAgain.errors).toEqual([expect.stringMatching(/^Invalid `strategy`: 'shadow'\. Expected no `strategy: shadow` while the weighted canary model-canary \(image r\.example\/model:2, 10% of real traffic\) is in progress/)]);
      expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(version);
      expect(await stateOf(namespace)).toEqual(state);

      // Monitor steps now weigh real traffic; the mirror never comes back.
      for (const weight of [25, 50]) {
        const next = await setCanaryWeight(cluster(), (await loadCanary(cluster(), namespace, 'model'))!, weight);
        expect(next).toMatchObject({ strategy: 'canary', weight });
        expect(c.rules((await cluster().get(ref)).spec)).toEqual(c.weightedAt(weight));
        expect((await canaryOf(namespace)).spec!.replicas).toBe(weight / 25);
      }

      const end = how === 'promote' ? await runInProcess(promote, { ...kube(), deployment: 'model', namespace }, attempt(2)) : await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' }, attempt(2));
      expect(end.errors).toEqual([]);
      expect(c.rules((await cluster().get(ref)).spec)).toEqual(c.restored);
      expect((await stableOf(namespace)).spec!.template.spec!.containers[0].image).toBe(how === 'promote' ? 'r.example/model:2' : 'registry.example/model:1.0.0');
      expect(await stateOf(namespace)).toBeUndefined();
      expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
    },
    90_000,
  );
});

describe('monitor-canary on a shadow canary turned weighted', () => {
  const judge = (namespace: string, app: string, extra: Record<string, string> = {}) =>
    runInProcess(
      monitorCanary,
      {
        ...kube(),
        deployment: 'model',
        namespace,
        'prometheus-url': '',
        metrics: errorRateMetric(app, 'max-increase: 50%\nmax: 0.05'),
        steps: '20,40',
        interval: '2s',
        'step-duration': '4s',
        ...extra,
      },
      attempt(1),
    );

  it('walks its steps on real traffic when the canary is as healthy as stable', async () => {
    const namespace = await shadowCanary('conv-mon-ok', 'istio', istio);
    expect((await runInProcess(canaryDeploy, convertInputs(namespace, 'istio'), attempt(1))).errors).toEqual([]);
    const app = uniqueApp('convok');
    await writeTraffic(await prometheusUrl(), app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 500, errors: 5 } });
    const weights = recordWeights(cluster(), namespace, 'model');
    const r = await judge(namespace, app, { 'prometheus-url': await prometheusUrl() });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ verdict: 'pass', weight: '40' });
    expect(await weights.stop()).toEqual([10, 20, 40]);
    expect(istio.rules((await cluster().get(istio.ref(namespace))).spec)).toEqual(istio.weightedAt(40));
  }, 60_000);

  it('fails a canary whose real traffic errors at its first step and, with rollback-on-failure, restores the stable route', async () => {
    const namespace = await shadowCanary('conv-mon-bad', 'gateway-api', gateway);
    expect((await runInProcess(canaryDeploy, convertInputs(namespace, 'gateway-api'), attempt(1))).errors).toEqual([]);
    const app = uniqueApp('convbad');
    await writeTraffic(await prometheusUrl(), app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 5000, errors: 1000 } });
    const weights = recordWeights(cluster(), namespace, 'model');
    const r = await judge(namespace, app, { 'prometheus-url': await prometheusUrl(), 'rollback-on-failure': 'true' });
    await weights.stop();
    expect(r.failed).toBe(true);
    expect(r.outputs).toMatchObject({ verdict: 'fail', weight: '0' });
    expect(weights.seen).not.toContain(40);
    expect(gateway.rules((await cluster().get(gateway.ref(namespace))).spec)).toEqual(gateway.restored);
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
  }, 60_000);
});

describe('who may turn a shadow canary into a weighted canary', () => {
  it('another job of the run that started it may (the post step of that job answers for it); another workflow run, while the lease is valid, may not', async () => {
    const namespace = await shadowCanary('conv-who', 'istio', istio);
    const ref = istio.ref(namespace);
    const version = (await cluster().get(ref)).metadata!.resourceVersion;
    const other = { env: { ...attempt(1).env, GITHUB_RUN_ID: '1999' } };
    for (const image of ['r.example/model:2', 'r.example/model:3']) {
      const refused = await runInProcess(canaryDeploy, convertInputs(namespace, 'istio', { image }), other);
      expect(refused.errors).toEqual([expect.stringMatching(/^A canary for Deployment \S+\/model is already in progress: .*; its lease is held by https:\/\/github\.com\/acme\/model\/actions\/runs\/1616 until/)]);
    }
    expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(version);
    expect(await stateOf(namespace)).toMatchObject({ strategy: 'shadow', weight: 50 });

    const laterJob = { env: { ...attempt(1).env, GITHUB_JOB: 'real-traffic' } };
    const converted = await runInProcess(canaryDeploy, convertInputs(namespace, 'istio'), laterJob);
    expect(converted.errors).toEqual([]);
    const state = (await stateOf(namespace))!;
    expect(state).toMatchObject({ strategy: 'canary', phase: 'ready', weight: 10, owner: '1616.1.rollout' });
    // Its post step found the conversion finished: the canary is left for monitor-canary.
    expect(JSON.parse(converted.state.canary)).toMatchObject({ owner: '1616.1.rollout', finished: true });
  }, 60_000);
});

describe('turning a shadow canary into a weighted canary: bad input fails naming the input, with nothing changed', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['a different image', { image: 'r.example/model:3' }, /^Invalid `image`: 'r\.example\/model:3'\. Expected `r\.example\/model:2` \(the image the shadow canary runs\)/],
    ['traffic-router: nginx', { 'traffic-router': 'nginx' }, /^Invalid `traffic-router`: 'nginx'\. Expected `istio` \(the router the shadow canary mirrors through, route `model`\)/],
    ['traffic-router: replicas', { 'traffic-router': 'replicas', route: '' }, /^Invalid `traffic-router`: 'replicas'\. Expected `istio`/],
    ['another route', { route: 'other' }, /^Invalid `route`: 'other'\. Expected `model`/],
    ['strategy: blue-green', { strategy: 'blue-green' }, /^Invalid `strategy`: 'blue-green'\. Expected `canary` \(with `weight`\)/],
    ['baseline: true', { baseline: 'true' }, /`baseline: true` cannot be added while turning the shadow canary model-canary into a weighted canary/],
    ['a model version the shadow does not run', { 'model-version': '2.0.0' }, /^Invalid `model-version`: '2\.0\.0'\. Expected none \(the model version the shadow canary runs\)/],
    ['match', { match: '- header: x-canary\n  value: "1"\n' }, /^`match` cannot be added while turning the shadow canary model-canary into a weighted canary/],
    ['session-affinity: cookie', { 'session-affinity': 'cookie' }, /^`session-affinity: cookie` cannot be added while turning the shadow canary model-canary/],
  ])('%s', async (_label, extra, message) => {
    const namespace = await shadowCanary('conv-bad', 'istio', istio);
    const ref = istio.ref(namespace);
    const route = (await cluster().get(ref)).metadata!.resourceVersion;
    const stable = await deploymentSnapshot(cluster(), namespace, 'model');
    const canary = await deploymentSnapshot(cluster(), namespace, 'model-canary');
    const r = await runInProcess(canaryDeploy, convertInputs(namespace, 'istio', extra), attempt(1));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.errors[0]).not.toMatch(/\n\s+at /); // a user mistake: no stack trace
    expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(route);
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(stable);
    expect(await deploymentSnapshot(cluster(), namespace, 'model-canary')).toEqual(canary);
  }, 60_000);
});
