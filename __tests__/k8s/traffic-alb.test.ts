import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as canaryDeployPost } from '../../actions/canary-deploy/post.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { deploymentRef, ingressRef, serviceRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { createStable, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '163', GITHUB_RUN_ATTEMPT: String(n) } });
const forward = (stable: number, canary: number) =>
  JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'model', servicePort: '80', weight: stable }, { serviceName: 'model-canary', servicePort: '80', weight: canary }] } });
const toCanary = JSON.stringify({ type: 'forward', forwardConfig: { targetGroups: [{ serviceName: 'model-canary', servicePort: '80', weight: 100 }] } });
const path = (service: string, port: Record<string, unknown>) => ({ path: '/', pathType: 'Prefix', backend: { service: { name: service, port } } });

async function createIngress(namespace: string) {
  await cluster().create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'model', namespace, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } },
    spec: { ingressClassName: 'alb', rules: [{ host: 'model.example.com', http: { paths: [path('model', { number: 80 })] } }] },
  });
}

describe('alb router: the AWS Load Balancer Controller forward action with weighted target groups', () => {
  it.each([['promote'], ['rollback'], ['cancel']])('weighs stable and canary, keeps a match path ahead, a monitor step moves the weight, and %s restores the Ingress exactly', async (how) => {
    const namespace = await ns(`alb-${how}`);
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createIngress(namespace);
    const ingress = () => cluster().get(ingressRef(namespace, 'model'));
    const before = await ingress();
    const inputs = { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'alb', route: 'model', weight: '10', match: '- header: x-canary\n  value: always\n' };
    expect((await runInProcess(canaryDeploy, inputs, attempt(1))).errors).toEqual([]);
    expect(decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.annotations)).toMatchObject({ weight: 10, router: { kind: 'alb', route: 'model', stableService: 'model' } });

    const expectAt = async (w: number) => {
      const ing = await ingress();
      expect(ing.spec.rules[0].http.paths).toEqual([path('model-canary-match-0', { name: 'use-annotation' }), path('model', { name: 'use-annotation' })]);
      expect(ing.metadata!.annotations).toMatchObject({
        'alb.ingress.kubernetes.io/scheme': 'internet-facing',
        'alb.ingress.kubernetes.io/actions.model': forward(100 - w, w),
        'alb.ingress.kubernetes.io/actions.model-canary-match-0': toCanary,
        'alb.ingress.kubernetes.io/conditions.model-canary-match-0': JSON.stringify([{ field: 'http-header', httpHeaderConfig: { httpHeaderName: 'x-canary', values: ['always'] } }]),
      });
    };
    await expectAt(10);
    expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeDefined();
    const version = (await ingress()).metadata!.resourceVersion;
    expect((await runInProcess(canaryDeploy, inputs, attempt(2))).errors).toEqual([]);
    expect((await ingress()).metadata!.resourceVersion).toBe(version); // a re-run changes nothing

    await setCanaryWeight(cluster(), (await loadCanary(cluster(), namespace, 'model'))!, 35);
    await expectAt(35);

    if (how === 'promote') expect((await runInProcess(promote, { ...kube(), deployment: 'model', namespace })).errors).toEqual([]);
    else if (how === 'rollback') expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' })).errors).toEqual([]);
    else {
      const main = await runInProcess(canaryDeploy, inputs, attempt(3));
      const saved = JSON.parse(main.state.canary);
      expect((await runInProcess(canaryDeployPost, inputs, { ...attempt(3), state: { ...main.state, canary: JSON.stringify({ ...saved, finished: false }) } })).errors).toEqual([]);
    }
    const after = await ingress();
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata!.annotations).toEqual(before.metadata!.annotations);
    expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a regex condition', { match: '- header: x-canary\n  regex: "a.*"\n' }, /^Invalid `match`: .*Expected exact `value` conditions with `traffic-router: alb`/],
    ['a wildcard in a value', { match: '- header: x-canary\n  value: "a*"\n' }, /^Invalid `match`: .*Expected values without `\*` or `\?` with `traffic-router: alb`/],
    ['session-affinity', { 'session-affinity': 'cookie' }, /^Invalid `session-affinity`: 'cookie'\. Expected `none` with `traffic-router: alb`/],
    ['shadow', { strategy: 'shadow' }, /^Invalid `strategy`: 'shadow'\. Expected `canary` or `blue-green` with `traffic-router: alb`/],
  ])('refuses %s naming the input, before anything changes', async (_label, extra, message) => {
    const namespace = await ns('alb-bad');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    await createIngress(namespace);
    const before = (await cluster().get(ingressRef(namespace, 'model'))).metadata!.resourceVersion;
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'alb', route: 'model', ...extra });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect((await cluster().get(ingressRef(namespace, 'model'))).metadata!.resourceVersion).toBe(before);
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
  });
});
