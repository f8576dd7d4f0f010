import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createModelRoute, createStable, sandboxKubeconfig, deploymentSnapshot, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { storedBackendRefs } from '../k8s/support/server-defaults.js';
import { LoopbackServer } from '../support/loopback-server.js';

const sandbox = useSandboxNamespaces();
let cluster: Cluster;
const get = (namespace: string, name: string) => cluster.find<V1Deployment>(deploymentRef(namespace, name));
const httpRoute = (namespace: string) => cluster.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
const hookJobs = (namespace: string) => cluster.list('batch/v1', 'Job', namespace, 'ai-deploy.dev/hooks-for=model');

const workspace = mkdtempSync(join(tmpdir(), 'promote-hooks-'));
writeFileSync(
  join(workspace, 'migrate.yaml'),
  `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    metadata: {annotations: {ai-deploy.test/job-duration: 1s}}
    spec:
      containers: [{name: migrate, image: "{{image}}", args: ["--to", "{{model-version}}"]}]
`,
);

/** The service's endpoints: each request records which image the stable Deployment ran when the hook reached it. */
let server: LoopbackServer;
let base = '';
let watched = '';
const seen: { path: string; stableImage?: string }[] = [];
beforeAll(async () => {
  cluster = sandbox.cluster();
  server = new LoopbackServer(createServer(async (req, res) => {
    const stable = watched ? await get(watched, 'model') : undefined;
    seen.push({ path: req.url ?? '', stableImage: stable?.spec?.template.spec?.containers[0].image });
    const ok = !req.url?.startsWith('/broken');
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { status: 'ok' } : { error: 'schema version 7 expected, found 6' }));
  }));
  base = await server.listen();
});
afterAll(() => server.close());

/** A stable Deployment behind an HTTPRoute with a canary at 20%. */
async function canaryAt20(prefix: string): Promise<string> {
  const namespace = await sandbox.ns(prefix);
  watched = namespace;
  await createStable(cluster, namespace, 'model', { replicas: 2, modelVersion: '1.0.0' });
  await createModelRoute(cluster, namespace);
  const r = await runInProcess(canaryDeploy, {
    kubeconfig: sandboxKubeconfig(),
    deployment: 'model',
    namespace,
    image: 'r.example/model:2',
    'model-version': '2.0.0',
    'traffic-router': 'gateway-api',
    route: 'model',
    weight: '20',
  });
  expect(r.errors).toEqual([]);
  return namespace;
}

const promoteWith = (namespace: string, hooks: string) =>
  runInProcess(promote, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, hooks }, { env: { GITHUB_WORKSPACE: workspace } });

describe('promote hooks', () => {
  it('a failing pre-promote hook: nothing is promoted, the canary keeps its weight, the step names the hook and its answer', async () => {
    const namespace = await canaryAt20('pp-fail');
    const stableBefore = (await get(namespace, 'model'))!;
    seen.length = 0;
    const r = await promoteWith(namespace, `pre-promote:\n  - {name: schema-check, kind: http, url: "${base}/broken", retries: 0}\n  - {name: migrate, kind: job, manifest: migrate.yaml}\n`);
    expect(r.failed).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/pre-promote hook `schema-check` \(http\) failed: .*503.*schema version 7 expected, found 6/);
    expect(r.errors[0]).toMatch(/Nothing was promoted: the canary model-canary \(image r.example\/model:2, model version 2.0.0, 20% traffic via gateway-api/);
    expect(r.stdout).not.toMatch(/created Job/); // the gate stops at the first failure
    expect(r.summary).toMatch(/\| pre-promote \| `schema-check` \| http \| ❌ failed \|/);
    expect(r.summary).toMatch(/\| pre-promote \| `migrate` \| job \| ⏭️ skipped \|/);

    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.template).toEqual(stableBefore.spec!.template);
    expect(stable.metadata!.annotations!['ai-deploy.dev/previous-image']).toBeUndefined();
    expect(decodeCanaryState(stable.metadata!.annotations)).toMatchObject({ phase: 'ready', weight: 20 });
    expect(await get(namespace, 'model-canary')).toBeDefined();
    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster, namespace, [
      { name: 'model', port: 80, weight: 80 },
      { name: 'model-canary', port: 80, weight: 20 },
    ]));
  });

  it('pre-promote hooks run before the stable changes and post-promote hooks after, both in the summary', async () => {
    const namespace = await canaryAt20('pp-ok');
    seen.length = 0;
    const r = await promoteWith(
      namespace,
      `pre-promote:
  - {name: migrate, kind: job, manifest: migrate.yaml, timeout: 1m}
  - {name: ready-for-v2, kind: http, url: "${base}/before/{{model-version}}"}
post-promote:
  - {name: smoke, kind: http, url: "${base}/after/{{model-version}}"}
`,
    );
    expect(r.errors).toEqual([]);
    expect(r.stdout).toMatch(/created Job .*\/migrate-[a-z0-9]+ from migrate.yaml \(image r.example\/model:2\)/);
    expect(seen).toEqual([
      { path: '/before/2.0.0', stableImage: 'registry.example/model:1.0.0' },
      { path: '/after/2.0.0', stableImage: 'r.example/model:2' },
    ]);
    expect(r.summary).toMatch(/### Promoted/);
    expect(r.summary).toMatch(/\| pre-promote \| `migrate` \| job \| ✅ passed \|/);
    expect(r.summary).toMatch(/\| post-promote \| `smoke` \| http \| ✅ passed \|/);
    expect(await hookJobs(namespace)).toHaveLength(0);
    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster, namespace, [{ name: 'model', port: 80 }])); // as createModelRoute wrote it
  });

  it('a failing post-promote hook fails the step after every post hook ran; the promotion stands, and a re-run retries the hooks only', async () => {
    const namespace = await canaryAt20('pp-post');
    seen.length = 0;
    const r = await promoteWith(namespace, `post-promote:\n  - {name: smoke, kind: http, url: "${base}/broken", retries: 0}\n  - {name: notify, kind: http, url: "${base}/notify"}\n`);
    expect(r.failed).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/post-promote hook `smoke` \(http\) failed: .*503/);
    expect(r.errors[0]).toMatch(/The promotion stands: .*\/model runs r.example\/model:2/);
    expect(seen.map((s) => s.path)).toEqual(['/broken', '/notify']);
    expect(r.outputs).toEqual({ image: 'r.example/model:2', 'previous-image': 'registry.example/model:1.0.0' });
    const stable = (await get(namespace, 'model'))!;
    expect(stable.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
    expect(await get(namespace, 'model-canary')).toBeUndefined();

    seen.length = 0;
    const again = await promoteWith(namespace, `post-promote:\n  - {name: smoke, kind: http, url: "${base}/after/{{model-version}}"}\n`);
    expect(again.errors).toEqual([]);
    expect(again.stdout).toMatch(/already runs the promoted image r.example\/model:2. Nothing to do/);
    expect(seen.map((s) => s.path)).toEqual(['/after/2.0.0']);
    expect((await get(namespace, 'model'))!.metadata!.generation).toBe(stable.metadata!.generation);
  });

  it('refuses hooks of other stages before changing anything', async () => {
    const namespace = await canaryAt20('pp-bad');
    const before = await deploymentSnapshot(cluster, namespace, 'model');
    const r = await promoteWith(namespace, `pre-traffic:\n  - {kind: http, url: "${base}/x"}\n`);
    expect(r.errors[0]).toMatch(/Invalid `hooks`: `pre-traffic` hooks run in canary-deploy, not in this action. Expected `pre-promote`, `post-promote`/);
    const noScheme = await promoteWith(namespace, 'post-promote:\n  - {kind: http, url: "model.example/healthz"}\n');
    expect(noScheme.errors[0]).toMatch(/Invalid `hooks`.*url/);
    expect(await deploymentSnapshot(cluster, namespace, 'model')).toEqual(before);
    expect(seen.filter((s) => s.path === '/x')).toEqual([]);
  });
});
