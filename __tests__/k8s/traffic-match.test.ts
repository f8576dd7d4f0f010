import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as canaryDeployPost } from '../../actions/canary-deploy/post.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import type { KubeObject, ObjectRef } from '../../shared/k8s/cluster.js';
import { deploymentRef, ingressRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { createModelIngress, createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';
import { asStored } from './support/server-defaults.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const MATCH = '- header: X-Canary\n  value: always\n- cookie: beta\n  value: "1"\n';
/** The Cookie header regex a `beta=1` cookie condition becomes (anchored: same meaning for full and partial matchers). */
const BETA_COOKIE = '^(.*;\\s*)?beta=1(;.*)?$';

type Ending = 'promote' | 'rollback' | 'cancel';
/** Attempt n of one workflow run: a re-run is the run's next attempt, which inherits the canary's lease. */
const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '16', GITHUB_RUN_ATTEMPT: String(n) } });

/** Ends the canary the way a user (or a runner that died mid-step) would. */
async function end(namespace: string, how: Ending, inputs: Record<string, string>): Promise<void> {
  if (how === 'promote') {
    expect((await runInProcess(promote, { ...kube(), deployment: 'model', namespace })).errors).toEqual([]);
  } else if (how === 'rollback') {
    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' })).errors).toEqual([]);
  } else {
    // A run cancelled after traffic moved but before it recorded the step as finished: its post step restores stable.
    const main = await runInProcess(canaryDeploy, inputs, attempt(3)); // the step once more: converges, changes nothing
    const saved = JSON.parse(main.state.canary);
    const r = await runInProcess(canaryDeployPost, inputs, { ...attempt(3), state: { ...main.state, canary: JSON.stringify({ ...saved, finished: false }) } });
    expect(r.errors).toEqual([]);
  }
  const stable = await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));
  expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
}

/** Canary-deploy with `match`, a monitor step, a re-run, then `how`: the route object at each point. */
async function lifecycle(
  namespace: string,
  router: string,
  ref: ObjectRef,
  how: Ending,
  expectAt: (spec: KubeObject, weight: number) => Promise<void>,
): Promise<{ before: KubeObject; after: KubeObject }> {
  const before = (await cluster().get(ref)).spec;
  const inputs = { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': router, route: 'model', weight: '10', match: MATCH };
  const r = await runInProcess(canaryDeploy, inputs, attempt(1));
  expect(r.errors).toEqual([]);
  await expectAt((await cluster().get(ref)).spec, 10);
  const recorded = decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.annotations)!;
  expect(recorded.router.match).toEqual([
    { on: 'header', name: 'x-canary', value: 'always' },
    { on: 'cookie', name: 'beta', value: '1' },
  ]);

  // A re-run changes nothing: same resourceVersion on the route object.
  const version = (await cluster().get(ref)).metadata!.resourceVersion;
  const again = await runInProcess(canaryDeploy, inputs, attempt(2));
  expect(again.errors).toEqual([]);
  expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(version);

  // A monitor step rebuilds the router from the recorded state: the match rules stay as the weight moves.
  const loaded = (await loadCanary(cluster(), namespace, 'model'))!;
  await setCanaryWeight(cluster(), loaded, 40);
  await expectAt((await cluster().get(ref)).spec, 40);

  await end(namespace, how, inputs);
  return { before, after: (await cluster().get(ref)).spec };
}

describe('match on gateway-api: an HTTPRoute rule per stable rule, with the conditions as header matches, ahead of it', () => {
  const ref = (namespace: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
  const v1 = { path: { type: 'PathPrefix', value: '/v1' } };
  // The documented rules, as the API server stores them (the upstream CRD's defaults applied).
  const expectAt = async (spec: KubeObject, weight: number, namespace: string) => {
    expect(spec.rules).toEqual((await asStored(cluster(), ref(namespace), { ...spec, rules: [
      {
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }] } }],
        matches: [
          { ...v1, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] },
          { ...v1, headers: [{ type: 'RegularExpression', name: 'Cookie', value: BETA_COOKIE }] },
        ],
        backendRefs: [{ name: 'model-canary', port: 80 }],
      },
      {
        matches: [v1],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }] } }],
        backendRefs: [
          { name: 'model', port: 80, weight: 100 - weight },
          { name: 'model-canary', port: 80, weight },
        ],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [{ name: 'other', port: 80 }] },
    ] })).rules);
  };

  it.each<[Ending]>([['promote'], ['rollback'], ['cancel']])('after canary-deploy, a monitor step and a re-run, %s removes the match rule and leaves the user rules as they were, stable holding all traffic', async (how) => {
    const namespace = await ns(`gw-match-${how}`);
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'model', namespace },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [
          { matches: [v1], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'prod' }] } }], backendRefs: [{ name: 'model', port: 80 }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/admin' } }], backendRefs: [{ name: 'other', port: 80 }] },
        ],
      },
    });
    const { before, after } = await lifecycle(namespace, 'gateway-api', ref(namespace), how, (spec, weight) => expectAt(spec, weight, namespace));
    // The user's rules exactly as the server stored them before the canary (stable's backendRef back at its defaulted weight 1).
    expect(before.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'model', port: 80, weight: 1 }]);
    expect(after).toEqual(before);
  });
});

describe('match on istio: an http route with the conditions ahead of each weighted one', () => {
  const ref = (namespace: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' });
  const expectAt = async (spec: KubeObject, weight: number) => {
    expect(spec.http).toEqual([
      {
        name: 'api-canary-match',
        timeout: '30s',
        match: [
          { uri: { prefix: '/v1' }, headers: { 'x-canary': { exact: 'always' } } },
          { uri: { prefix: '/v1' }, headers: { cookie: { regex: BETA_COOKIE } } },
        ],
        route: [{ destination: { host: 'model-canary', port: { number: 80 } } }],
      },
      {
        name: 'api',
        timeout: '30s',
        match: [{ uri: { prefix: '/v1' } }],
        route: [
          { destination: { host: 'model', port: { number: 80 } }, weight: 100 - weight },
          { destination: { host: 'model-canary', port: { number: 80 } }, weight },
        ],
      },
    ]);
  };

  it.each<[Ending]>([['promote'], ['rollback'], ['cancel']])('after canary-deploy, a monitor step and a re-run, %s removes the match route and restores the weighted one', async (how) => {
    const namespace = await ns(`istio-match-${how}`);
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'model', namespace },
      spec: { hosts: ['model.example.com'], http: [{ name: 'api', timeout: '30s', match: [{ uri: { prefix: '/v1' } }], route: [{ destination: { host: 'model', port: { number: 80 } } }] }] },
    });
    const { before, after } = await lifecycle(namespace, 'istio', ref(namespace), how, expectAt);
    expect(after).toEqual(before); // the user's route as it was: one destination, no weight
  });
});

describe('match on nginx: canary-by-header, canary-by-header-value and canary-by-cookie on the canary Ingress', () => {
  it('sets them with the weight, keeps them through a monitor step, and a rollback removes the canary Ingress and leaves the user Ingress as it was', async () => {
    const namespace = await ns('nginx-match');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelIngress(cluster(), namespace, 'model.example.com');
    const userIngress = async () => (await cluster().get(ingressRef(namespace, 'model'))).spec;
    const before = await userIngress();
    const inputs = {
      ...kube(),
      deployment: 'model',
      namespace,
      image: 'r.example/model:2',
      'traffic-router': 'nginx',
      route: 'model',
      weight: '10',
      match: '- header: X-Canary\n  regex: "^(always|yes)$"\n- cookie: beta-tester\n  value: always\n',
    };
    expect((await runInProcess(canaryDeploy, inputs, attempt(1))).errors).toEqual([]);
    const annotations = async () => (await cluster().get(ingressRef(namespace, 'model-canary'))).metadata!.annotations;
    const routing = {
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '10',
      'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary',
      'nginx.ingress.kubernetes.io/canary-by-header-pattern': '^(always|yes)$',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'beta-tester',
    };
    expect(await annotations()).toMatchObject(routing);
    expect(await annotations()).not.toHaveProperty(['nginx.ingress.kubernetes.io/canary-by-header-value']);
    const version = (await cluster().get(ingressRef(namespace, 'model-canary'))).metadata!.resourceVersion;
    expect((await runInProcess(canaryDeploy, inputs, attempt(2))).errors).toEqual([]);
    expect((await cluster().get(ingressRef(namespace, 'model-canary'))).metadata!.resourceVersion).toBe(version);

    await setCanaryWeight(cluster(), (await loadCanary(cluster(), namespace, 'model'))!, 30);
    expect(await annotations()).toMatchObject({ ...routing, 'nginx.ingress.kubernetes.io/canary-weight': '30' });

    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' })).errors).toEqual([]);
    expect(await cluster().find(ingressRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await userIngress()).toEqual(before);
  });
});

describe('match: bad input fails naming the input, before anything changes', () => {
  it.each<[string, string, string, RegExp]>([
    ['neither value nor regex', 'gateway-api', '- header: x-canary\n', /^Invalid `match\[0\]`: .*Expected exactly one of `value` \(the exact header value\) or `regex`/],
    ['a header name that is not a token', 'gateway-api', '- header: "x canary"\n  value: "1"\n', /^Invalid `match\[0\]\.header`: 'x canary'\. Expected a header name that is an HTTP token/],
    ['both header and cookie', 'istio', '- header: a\n  cookie: b\n  value: "1"\n', /^Invalid `match\[0\]`: .*Expected exactly one of `header: <name>` or `cookie: <name>`/],
    ['a regex that does not compile', 'istio', '- header: a\n  regex: "(unclosed"\n', /^Invalid `match\[0\]\.regex`: '\(unclosed'\. Expected a regular expression/],
    ['not a list', 'istio', 'header: a\n', /^Invalid `match`: .*Expected a YAML list of conditions/],
    ['match on replicas', 'replicas', '- header: x-canary\n  value: always\n', /^Invalid `match`: .*Expected no `match` with `traffic-router: replicas`/],
    ['match on smi', 'smi', '- header: x-canary\n  value: always\n', /^Invalid `match`: .*Expected no `match` with `traffic-router: smi`/],
    ['a cookie value nginx cannot match', 'nginx', '- cookie: beta\n  value: "1"\n', /^Invalid `match`: .*Expected a `cookie` condition with `value: always` on `traffic-router: nginx`/],
  ])('%s', async (_label, router, match, message) => {
    const namespace = await ns('match-bad');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    const stableBefore = (await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!;
    const r = await runInProcess(canaryDeploy, {
      ...kube(),
      deployment: 'model',
      namespace,
      image: 'r.example/model:2',
      'traffic-router': router,
      ...(router === 'replicas' ? {} : { route: 'model' }),
      match,
    });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.errors[0]).not.toMatch(/\n\s+at /); // no stack trace
    const stableAfter = (await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!;
    expect(stableAfter.resourceVersion).toBe(stableBefore.resourceVersion);
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
  });
});
