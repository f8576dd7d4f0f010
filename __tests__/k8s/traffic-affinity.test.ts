import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import type { KubeObject } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { claimOf } from '../../shared/canary/claim.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { affinityValues } from '../../shared/traffic/affinity.js';
import { createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';
import { expectRefusedBeforeAnyChange } from './support/refused.js';
import { asStored } from './support/server-defaults.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '161', GITHUB_RUN_ATTEMPT: String(n) } });
/** Anchored regex over the Cookie header for `session=<value>` (as the cookie conditions of `match` are written). */
const cookieRegex = (value: string) => `^(.*;\\s*)?session=${value.replace(/-/g, '\\-')}(;.*)?$`;
const setCookie = (value: string) => `session=${value}; Max-Age=3600; Path=/`;

async function startSticky(namespace: string, router: string, ref: { apiVersion: string; kind: string; namespace: string; name: string }) {
  const inputs = {
    ...kube(),
    deployment: 'model',
    namespace,
    image: 'r.example/model:2',
    'traffic-router': router,
    route: 'model',
    weight: '20',
    'session-affinity': 'cookie',
    'session-cookie-name': 'session',
    'session-cookie-max-age': '1h',
  };
  expect((await runInProcess(canaryDeploy, inputs, attempt(1))).errors).toEqual([]);
  const state = decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.annotations)!;
  expect(state.router.affinity).toEqual({ cookie: 'session', maxAgeSeconds: 3600 });
  const version = (await cluster().get(ref)).metadata!.resourceVersion;
  expect((await runInProcess(canaryDeploy, inputs, attempt(2))).errors).toEqual([]);
  expect((await cluster().get(ref)).metadata!.resourceVersion).toBe(version); // a re-run changes nothing
  return affinityValues(claimOf(state));
}

describe('session-affinity: cookie on gateway-api', () => {
  const ref = (namespace: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });

  it.each([['rollback'], ['promote']])('both tracks set the cookie, rules route it back to the same track through a monitor step, and %s leaves the route as before the canary', async (how) => {
    const namespace = await ns(`gw-sticky-${how}`);
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await cluster().create({ ...ref(namespace), metadata: { name: 'model', namespace }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'model', port: 80 }] }] } });
    const before = (await cluster().get(ref(namespace))).spec;
    const v = await startSticky(namespace, 'gateway-api', ref(namespace));
    const cookieFilter = (value: string) => [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: setCookie(value) }] } }];
    const expected = (w: number) => [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'RegularExpression', name: 'Cookie', value: cookieRegex(v.canary) }] }],
        backendRefs: [{ name: 'model-canary', port: 80, filters: cookieFilter(v.canary) }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'RegularExpression', name: 'Cookie', value: cookieRegex('stable') }] }],
        backendRefs: [{ name: 'model', port: 80, filters: cookieFilter('stable') }],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' } }],
        backendRefs: [
          { name: 'model', port: 80, weight: 100 - w, filters: cookieFilter('stable') },
          { name: 'model-canary', port: 80, weight: w, filters: cookieFilter(v.canary) },
        ],
      },
    ];
    // The documented rules, as the API server stores them (the upstream CRD's defaults applied).
    const stored = async (w: number) => (await asStored(cluster(), ref(namespace), { ...before, rules: expected(w) })).rules;
    expect((await cluster().get(ref(namespace))).spec.rules).toEqual(await stored(20));
    await setCanaryWeight(cluster(), (await loadCanary(cluster(), namespace, 'model'))!, 50);
    expect((await cluster().get(ref(namespace))).spec.rules).toEqual(await stored(50));

    const r = how === 'promote' ? await runInProcess(promote, { ...kube(), deployment: 'model', namespace }) : await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(r.errors).toEqual([]);
    // No rule reads the cookie and no response sets it: an old cookie pulls no one anywhere.
    expect((await cluster().get(ref(namespace))).spec).toEqual(before); // exactly as the server stored it before the canary
  });
});

describe('session-affinity: cookie on istio', () => {
  const ref = (namespace: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'model' });

  it('sets the cookie on both destinations, routes it back ahead of the weighted route, and a rollback restores the VirtualService', async () => {
    const namespace = await ns('istio-sticky');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    const userHeaders = { request: { set: { 'x-env': 'prod' } } };
    await cluster().create({ ...ref(namespace), metadata: { name: 'model', namespace }, spec: { hosts: ['model.example.com'], http: [{ route: [{ destination: { host: 'model' }, headers: userHeaders }] }] } });
    const before = (await cluster().get(ref(namespace))).spec;
    const v = await startSticky(namespace, 'istio', ref(namespace));
    const sets = (value: string, extra: KubeObject = {}) => ({ ...extra, response: { add: { 'Set-Cookie': setCookie(value) } } });
    expect((await cluster().get(ref(namespace))).spec.http).toEqual([
      { match: [{ headers: { cookie: { regex: cookieRegex(v.canary) } } }], route: [{ destination: { host: 'model-canary' }, headers: sets(v.canary) }] },
      { match: [{ headers: { cookie: { regex: cookieRegex('stable') } } }], route: [{ destination: { host: 'model' }, headers: sets('stable', userHeaders) }] },
      {
        route: [
          { destination: { host: 'model' }, headers: sets('stable', userHeaders), weight: 80 },
          { destination: { host: 'model-canary' }, headers: sets(v.canary), weight: 20 }, // the canary entry is the router's own: the user's header rules stay on stable's
        ],
      },
    ]);
    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' })).errors).toEqual([]);
    expect((await cluster().get(ref(namespace))).spec).toEqual(before); // the user's destination and header rules, without a weight, as it was
  });
});

describe('session-affinity: bad input fails naming the input, before anything changes', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['cookie on replicas', { 'session-affinity': 'cookie' }, /^Invalid `session-affinity`: 'cookie'\. Expected `none` with `traffic-router: replicas`/],
    ['cookie on nginx', { 'session-affinity': 'cookie', 'traffic-router': 'nginx', route: 'model' }, /^Invalid `session-affinity`: 'cookie'\. Expected `none` with `traffic-router: nginx`/],
    ['an unknown mode', { 'session-affinity': 'ip', 'traffic-router': 'istio', route: 'model' }, /^Invalid `session-affinity`: 'ip'/],
    ['a cookie name with a space', { 'session-affinity': 'cookie', 'traffic-router': 'istio', route: 'model', 'session-cookie-name': 'my cookie' }, /^Invalid `session-cookie-name`: 'my cookie'\. Expected a cookie name that is an HTTP token/],
  ])('%s', async (_label, extra, message) => {
    await expectRefusedBeforeAnyChange(cluster(), await ns('sticky-bad'), extra, message);
  });
});
