import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { canaryIngress } from '../../shared/traffic/nginx.js';
import { gitopsOwner, isTrackingKey } from '../../shared/canary/gitops.js';
import type { Cluster, KubeObject } from '../../shared/k8s/cluster.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { createModelRoute, createStable, dropNamespace, freshNamespace, sandboxCluster, sandboxKubeconfig } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, writeTraffic } from './monitor-canary-support.js';

// A stable Deployment and HTTPRoute as Argo CD (label and annotation tracking) and Flux (kustomize-controller,
// helm-controller) label and annotate theirs, on the sandbox's real API server.
let cluster: Cluster;
let promUrl: string;
const namespaces: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  cluster = await sandboxCluster();
  promUrl = await prometheusUrl();
});
afterAll(async () => {
  await Promise.all(namespaces.map((n) => dropNamespace(cluster, n)));
});

const TRACKING_LABELS = {
  'app.kubernetes.io/instance': 'models',
  'argocd.argoproj.io/instance': 'models',
  'kustomize.toolkit.fluxcd.io/name': 'apps',
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
  'helm.toolkit.fluxcd.io/name': 'model',
  'helm.toolkit.fluxcd.io/namespace': 'flux-system',
};
const TRACKING_ANNOTATIONS = {
  'argocd.argoproj.io/tracking-id': 'models:apps/Deployment:ns/model',
  'kustomize.toolkit.fluxcd.io/checksum': 'abc123',
};
const routeRef = (namespace: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });

/** Stable Deployment `model` and HTTPRoute `model`, both carrying Argo CD's and Flux's tracking labels and annotations. */
async function gitopsManaged(prefix: string): Promise<string> {
  const namespace = await freshNamespace(cluster, prefix);
  namespaces.push(namespace);
  await createStable(cluster, namespace, 'model', { replicas: 2 });
  await createModelRoute(cluster, namespace);
  const mark = { metadata: { labels: { ...TRACKING_LABELS, 'team-label': 'kept' }, annotations: TRACKING_ANNOTATIONS } };
  await cluster.mergePatch(deploymentRef(namespace, 'model'), mark);
  await cluster.mergePatch(routeRef(namespace), mark);
  return namespace;
}

function expectNoTracking(obj: KubeObject | undefined, what: string) {
  expect(obj).toBeDefined();
  const keys = [...Object.keys(obj!.metadata?.labels ?? {}), ...Object.keys(obj!.metadata?.annotations ?? {})];
  expect({ what, tracking: keys.filter(isTrackingKey) }).toEqual({ what, tracking: [] });
  expect(obj!.metadata?.annotations).toMatchObject({ 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous', 'argocd.argoproj.io/sync-options': 'Prune=false' });
}

describe('GitOps: objects ai-deploy creates', () => {
  it('carry none of the stable objects\' Argo CD or Flux tracking labels and annotations, and are marked IgnoreExtraneous and Prune=false; canary-deploy warns first', async () => {
    const namespace = await gitopsManaged('gitops');
    const r = await runInProcess(canaryDeploy, {
      kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', baseline: 'true',
    });
    expect(r.errors).toEqual([]);
    for (const name of ['model-canary', 'model-baseline']) {
      const d = await cluster.find<V1Deployment>(deploymentRef(namespace, name));
      expectNoTracking(d, `Deployment ${name}`);
      expect(d!.metadata!.labels!['team-label']).toBe('kept'); // only tracking keys are dropped
      expectNoTracking(await cluster.find(serviceRef(namespace, name)), `Service ${name}`);
    }
    // Warned before anything changed: the warning comes before the first object was created.
    const warnings = r.warnings.join('\n');
    expect(warnings).toMatch(/Deployment .*\/model is managed by Argo CD application models and Flux Kustomization flux-system\/apps and Flux HelmRelease flux-system\/model/);
    expect(warnings).toMatch(/HTTPRoute .*\/model is managed by Argo CD application models/);
    expect(warnings).toMatch(/docs\/gitops\.md/);
    expect(r.stdout.indexOf('::warning::')).toBeLessThan(r.stdout.indexOf('Created model-canary'));
  }, 60_000);

  it('a canary Ingress (nginx router) carries none of the stable Ingress\'s tracking keys either', () => {
    const stable = {
      metadata: { name: 'web', namespace: 'n', labels: TRACKING_LABELS, annotations: { ...TRACKING_ANNOTATIONS, 'kubernetes.io/ingress.class': 'nginx' } },
      spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'model', port: { number: 80 } } } }] } }] },
    };
    expectNoTracking(canaryIngress(stable, 'model', 'model-canary', 'model', 0) as KubeObject, 'Ingress model-canary');
  });

  it('names the GitOps owner from the tracking keys, and none for a plain Helm release', () => {
    expect(gitopsOwner({ metadata: { annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:ns/x' } } })).toBe('Argo CD application shop');
    expect(gitopsOwner({ metadata: { labels: { 'app.kubernetes.io/instance': 'shop' } } })).toBe('Argo CD application shop (label tracking)');
    expect(gitopsOwner({ metadata: { labels: { 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/managed-by': 'Helm' } } })).toBeUndefined();
    expect(gitopsOwner({ metadata: { labels: { app: 'x' } } })).toBeUndefined();
  });
});

describe('GitOps self-heal during an analysis', () => {
  // What Argo CD's or Flux's self-heal does to the HTTPRoute: put git's spec back (all traffic to stable), with
  // ai-deploy's annotations kept (a patch of the spec only) or dropped (a replace of the whole object).
  it.each([
    ['keeps ai-deploy\'s annotations', false],
    ['drops ai-deploy\'s annotations', true],
  ])('a self-heal resetting the route weight mid-analysis that %s stops monitor-canary with an error naming the lost weight', async (_, dropAnnotations) => {
    const namespace = await gitopsManaged('selfheal');
    const app = uniqueApp('selfheal');
    // No canary traffic in the metrics: no evidence, so the step keeps watching until the revert is noticed.
    await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 0, errors: 0 } });
    const deployed = await runInProcess(canaryDeploy, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' });
    expect(deployed.errors).toEqual([]);
    const weights = async () => Object.fromEntries((await cluster.get(routeRef(namespace))).spec.rules[0].backendRefs.map((b: { name: string; weight: number }) => [b.name, b.weight]));
    const selfHeal = (async () => {
      for (let i = 0; i < 200 && (await weights())['model-canary'] !== 20; i++) await sleep(100);
      await cluster.update(routeRef(namespace), (route) => {
        route.spec.rules[0].backendRefs = [{ name: 'model', port: 80 }];
        if (dropAnnotations) route.metadata!.annotations = { ...TRACKING_ANNOTATIONS };
        return true;
      });
    })();
    const r = await runInProcess(monitorCanary, {
      kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, 'prometheus-url': promUrl,
      metrics: errorRateMetric(app, 'max: 0.05'), steps: '20,40', interval: '2s', 'step-duration': '30s',
    });
    await selfHeal;
    expect(r.failed).toBe(true);
    expect(r.errors.join('\n')).toMatch(/model-canary was set to 20% of traffic but the gateway-api route .*\/model now gives it 0%: something outside ai-deploy changed it .*GitOps self-heal/);
    expect(r.stdout).not.toMatch(/Canary weight 40%/); // never moved on, never judged
    expect(r.outputs.verdict).not.toBe('pass');
    expect((await weights())['model-canary'] ?? 0).toBe(0); // stable keeps all traffic
  }, 60_000);
});
