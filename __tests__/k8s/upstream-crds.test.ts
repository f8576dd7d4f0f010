import { describe, expect, it } from '@jest/globals';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import type { KubeObject } from '../../shared/k8s/cluster.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';

// The sandbox serves the upstream Gateway API (standard channel) and Istio CRDs (sandbox/parts/upstream-crds.mjs):
// the API server itself checks every route against their schemas, so a route ai-deploy writes that a real
// cluster would refuse fails here too.
const { cluster, ns } = useSandboxNamespaces();
const httpRoute = (namespace: string, name: string, rule: KubeObject) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name, namespace },
  spec: { parentRefs: [{ name: 'gw' }], rules: [rule] },
});
const routeRef = (namespace: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '1616', GITHUB_RUN_ATTEMPT: String(n) } });

describe('the sandbox API server validates routes against the upstream CRDs', () => {
  it('refuses an HTTPRoute backendRef weight above 1,000,000 and a RequestMirror percent of 150, naming the field', async () => {
    const namespace = await ns('crd-gw-bad');
    await expect(cluster().create(httpRoute(namespace, 'heavy', { backendRefs: [{ name: 'model', port: 80, weight: 1_000_001 }] })))
      .rejects.toThrow(/spec\.rules\[0\]\.backendRefs\[0\]\.weight.* should be less than or equal to 1000000/);
    await expect(cluster().create(httpRoute(namespace, 'mirror', {
      backendRefs: [{ name: 'model', port: 80 }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'model-canary', port: 80 }, percent: 150 } }],
    }))).rejects.toThrow(/spec\.rules\[0\]\.filters\[0\]\.requestMirror\.percent.* should be less than or equal to 100/);
    // At the bounds the same routes are accepted: the refusals above are the schema's limits, not a broken CRD.
    await cluster().create(httpRoute(namespace, 'heavy', { backendRefs: [{ name: 'model', port: 80, weight: 1_000_000 }] }));
    await cluster().create(httpRoute(namespace, 'mirror', {
      backendRefs: [{ name: 'model', port: 80 }],
      filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'model-canary', port: 80 }, percent: 100 } }],
    }));
  });

  it('refuses a VirtualService header condition with both exact and regex (Istio StringMatch is one of them)', async () => {
    const namespace = await ns('crd-istio-bad');
    const vs = (headers: KubeObject) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'model', namespace },
      spec: { hosts: ['model.example.com'], http: [{ match: [{ headers }], route: [{ destination: { host: 'model' } }] }] },
    });
    await expect(cluster().create(vs({ 'x-canary': { exact: 'always', regex: 'a.*' } }))).rejects.toThrow(/spec\.http\[0\]\.match\[0\]\.headers\.x-canary.*oneOf/);
    await cluster().create(vs({ 'x-canary': { exact: 'always' } }));
  });

  it("accepts ai-deploy's own HTTPRoute writes (fractional weights, header and cookie matches, session cookies), and a re-run or a step to the same weight writes nothing though the server filled in defaults", async () => {
    const namespace = await ns('crd-gw-ours');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    const inputs = {
      kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model',
      weight: '10.5', match: '- header: x-tenant\n  regex: "acme-.*"\n- cookie: beta\n  value: "1"\n', 'session-affinity': 'cookie',
    };
    expect((await runInProcess(canaryDeploy, inputs, attempt(1))).errors).toEqual([]);
    const route = await cluster().get(routeRef(namespace));
    const rules: KubeObject[] = route.spec.rules;
    // ai-deploy writes no weight on the canary-only rules' backendRefs; the CRD's default (1) is what is stored.
    const canaryOnly = rules.filter((r) => r.backendRefs.every((b: KubeObject) => b.name === 'model-canary'));
    expect(canaryOnly.length).toBeGreaterThan(0);
    for (const r of canaryOnly) expect(r.backendRefs).toEqual([expect.objectContaining({ group: '', kind: 'Service', name: 'model-canary', weight: 1 })]);
    const weighted = rules.find((r) => r.backendRefs.length === 2)!;
    expect(weighted.backendRefs.map((b: KubeObject) => [b.name, b.weight])).toEqual([['model', 179], ['model-canary', 21]]);
    expect(rules.flatMap((r) => r.matches.flatMap((m: KubeObject) => m.headers ?? []))).toContainEqual({ type: 'RegularExpression', name: 'x-tenant', value: 'acme-.*' });

    const again = await runInProcess(canaryDeploy, inputs, attempt(2));
    expect(again.errors).toEqual([]);
    // The route as the server stores it already carries what the re-run wants (compared after the CRD's defaults).
    expect(again.stdout).toMatch(/already runs r\.example\/model:2 at 10\.5% traffic: nothing to change/);
    expect((await cluster().get(routeRef(namespace))).metadata!.resourceVersion).toBe(route.metadata!.resourceVersion);
    // A step to the weight the route already carries rebuilds every rule ai-deploy owns, without the defaults: no write.
    await setCanaryWeight(cluster(), (await loadCanary(cluster(), namespace, 'model'))!, 10.5);
    expect((await cluster().get(routeRef(namespace))).metadata!.resourceVersion).toBe(route.metadata!.resourceVersion);
  });

  it('accepts a shadow canary mirroring 100% (RequestMirror percent at its bound)', async () => {
    const namespace = await ns('crd-gw-shadow');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    const r = await runInProcess(canaryDeploy, {
      kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', strategy: 'shadow',
    });
    expect(r.errors).toEqual([]);
    const [rule] = (await cluster().get(routeRef(namespace))).spec.rules;
    expect(rule.filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'model-canary', port: 80 }, percent: 100 } }]);
  });

  it("the experimental channel's HTTPRoute schema accepts the same routes unchanged: match, session cookies, fractional weights and a mirror", async () => {
    // Served beside the standard one under the group experimental.gateway.networking.k8s.io (sandbox/parts/upstream-crds.mjs).
    const namespace = await ns('crd-gw-exp');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    const base = { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' };
    const shaped = { ...base, weight: '10.5', match: '- header: x-tenant\n  regex: "acme-.*"\n- cookie: beta\n  value: "1"\n', 'session-affinity': 'cookie' };
    expect((await runInProcess(canaryDeploy, shaped, attempt(1))).errors).toEqual([]);
    const specs: KubeObject[] = [(await cluster().get(routeRef(namespace))).spec];
    await createStable(cluster(), namespace, 'shadowed', { replicas: 2 });
    await cluster().create({ ...httpRoute(namespace, 'shadowed', { backendRefs: [{ name: 'shadowed', port: 80 }] }) });
    const shadow = { ...base, deployment: 'shadowed', route: 'shadowed', strategy: 'shadow', 'mirror-percent': '35' };
    expect((await runInProcess(canaryDeploy, shadow, attempt(1))).errors).toEqual([]);
    specs.push((await cluster().get({ ...routeRef(namespace), name: 'shadowed' })).spec);
    expect(specs[1].rules[0].filters).toEqual([expect.objectContaining({ type: 'RequestMirror', requestMirror: expect.objectContaining({ percent: 35 }) })]);
    for (const [i, spec] of specs.entries()) {
      const stored = await cluster().create<KubeObject>({ apiVersion: 'experimental.gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `copy-${i}`, namespace }, spec });
      // Nothing pruned or changed: every field ai-deploy wrote exists in the experimental schema too.
      expect(stored.spec).toEqual(spec);
    }
  });
});
