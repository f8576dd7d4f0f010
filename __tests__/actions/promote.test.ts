import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { FakeGitHub } from '../support/fake-github.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createModelIngress, createModelRoute, createStable, livePods, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { storedBackendRefs } from '../k8s/support/server-defaults.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));
const route = (namespace: string) => cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });

describe('promote', () => {
  it('makes the canary the stable, removes the canary, records the previous image, reports success to GitHub; a re-run changes nothing', async () => {
    const namespace = await ns('prm');
    await createStable(cluster(), namespace, 'model', { replicas: 2, modelVersion: '1.0.0' });
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'model-version': '2.0.0' })).failed).toBe(false);
    const github = await new FakeGitHub()
      .on('GET', '/repos/acme/model/deployments', { status: 200, body: [] })
      .on('POST', '/repos/acme/model/deployments', { status: 201, body: { id: 9 } })
      .on('POST', '/repos/acme/model/deployments/9/statuses', { status: 201, body: { id: 1 } })
      .start();
    const env = { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/model', GITHUB_SHA: 'abc123', GITHUB_RUN_ID: '5' };
    try {
      const r = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, 'github-token': 'ghs_tok', environment: 'production' }, { env });
      expect(r.errors).toEqual([]);
      expect(r.outputs).toEqual({ image: 'r.example/model:2', 'previous-image': 'registry.example/model:1.0.0' });
      const stable = (await get(namespace, 'model'))!;
      expect(stable.spec!.template.spec!.containers[0]).toMatchObject({ image: 'r.example/model:2', env: [{ name: 'MODEL_VERSION', value: '2.0.0' }] });
      expect(stable.status?.updatedReplicas).toBe(2);
      expect(stable.metadata!.annotations).toMatchObject({ 'ai-deploy.dev/previous-image': 'registry.example/model:1.0.0', 'ai-deploy.dev/previous-model-version': '1.0.0' });
      expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
      expect(await get(namespace, 'model-canary')).toBeUndefined();
      expect(await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
      expect(github.received('POST', '/repos/acme/model/deployments')[0].body).toMatchObject({ ref: 'abc123', environment: 'production', auto_merge: false });
      expect(github.received('POST', '/repos/acme/model/deployments/9/statuses')[0].body).toMatchObject({ state: 'success', environment: 'production' });

      const again = await runInProcess(promote, { ...kube(), deployment: 'model', namespace }, { env });
      expect(again.failed).toBe(false);
      expect(again.stdout).toMatch(/already runs the promoted image r.example\/model:2. Nothing to do/);
      expect((await get(namespace, 'model'))!.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('2');

      // A later revision rollback goes back to the version before the promotion.
      const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'auto' });
      expect(back.outputs).toMatchObject({ 'rolled-back': 'true', 'to-image': 'registry.example/model:1.0.0' });
    } finally {
      await github.stop();
    }
  });

  it('fails clearly with no canary in progress, and on bad registry inputs before changing anything', async () => {
    const namespace = await ns('prm-bad');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    const none = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    expect(none.errors[0]).toMatch(/No canary in progress for Deployment .*\/model.*run canary-deploy first/);
    const bad = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, registry: 'http://bucket', model: 'm' });
    expect(bad.errors[0]).toMatch(/Invalid `registry`: 'http:\/\/bucket'/);
    const noModel = await runInProcess(promote, { ...kube(), deployment: 'model', namespace, registry: 's3://models' });
    expect(noModel.errors[0]).toMatch(/`registry` needs `model`/);
  });
});

describe('mesh routers against real route objects', () => {
  it('gateway-api: weights on HTTPRoute backendRefs sum to 100, canary pods kept out of the stable Service; rollback removes them', async () => {
    const namespace = await ns('gw');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelRoute(cluster(), namespace);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', weight: '20' });
    expect(r.errors).toEqual([]);
    expect(r.outputs.weight).toBe('20');
    expect((await route(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster(), namespace, [
      { name: 'model', port: 80, weight: 80 },
      { name: 'model-canary', port: 80, weight: 20 },
    ]));
    const canarySvc = await cluster().get(serviceRef(namespace, 'model-canary'));
    expect(canarySvc.spec.selector).toEqual({ 'ai-deploy.dev/canary-of': 'model', 'ai-deploy.dev/track': 'canary' });
    const canary = (await get(namespace, 'model-canary'))!;
    expect(canary.spec!.template.metadata!.labels!.app).toBe('model-canary'); // not selected by the stable Service (app=model)

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    expect((await route(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster(), namespace, [{ name: 'model', port: 80 }])); // as createModelRoute wrote it
    expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  });

  it('nginx: a canary Ingress with canary-weight beside the stable Ingress; blue-green promote switches and cleans up', async () => {
    const namespace = await ns('ngx');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    await createModelIngress(cluster(), namespace);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'nginx', route: 'model', strategy: 'blue-green' });
    expect(r.errors).toEqual([]);
    expect(r.outputs.weight).toBe('0');
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2); // full-size preview
    const ing = await cluster().get({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace, name: 'model-canary' });
    expect(ing.metadata!.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' });
    expect(ing.spec.rules[0].http.paths[0].backend.service.name).toBe('model-canary');

    const p = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    expect(p.errors).toEqual([]);
    expect(p.stdout).toMatch(/Blue-green: all traffic switched to the new version/);
    expect(await cluster().find({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace, name: 'model-canary' })).toBeUndefined();
    expect((await get(namespace, 'model'))!.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
  });
});
