import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { readKeyValueFile, runnerFiles } from '../support/runner-files.js';
import { run } from '../../actions/canary-deploy/main.js';
import { run as post } from '../../actions/canary-deploy/post.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createModelRoute, createStable, livePods, sandboxKubeconfig, deploymentSnapshot, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { storedBackendRefs } from '../k8s/support/server-defaults.js';
import { LoopbackServer } from '../support/loopback-server.js';

const sandbox = useSandboxNamespaces();
const ns = sandbox.ns;
let cluster: Cluster;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (namespace: string, name: string) => cluster.find<V1Deployment>(deploymentRef(namespace, name));
const httpRoute = (namespace: string) => cluster.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });
const hookJobs = (namespace: string) => cluster.list('batch/v1', 'Job', namespace, 'ai-deploy.dev/hooks-for=model');

/** Job manifests in a workspace folder, as a repository would hold them. */
const workspace = mkdtempSync(join(tmpdir(), 'canary-hooks-'));
const job = (labels: Record<string, string>, annotations: Record<string, string> = {}) => `apiVersion: batch/v1
kind: Job
metadata: {name: smoke}
spec:
  template:
    metadata: {labels: ${JSON.stringify(labels)}, annotations: ${JSON.stringify(annotations)}}
    spec:
      containers: [{name: smoke, image: "{{image}}", args: ["--model-version", "{{model-version}}"]}]
`;
writeFileSync(join(workspace, 'smoke-ok.yaml'), job({}, { 'ai-deploy.test/job-duration': '1s' }));
writeFileSync(join(workspace, 'smoke-fails.yaml'), job({ 'ai-deploy.test/job-fails': 'true' }));
writeFileSync(join(workspace, 'smoke-hangs.yaml'), job({ 'ai-deploy.test/job-hangs': 'true' }));

/**
 * The canary's smoke endpoint: each request records what `probe` saw of the cluster at the moment the
 * hook reached it (so a test sees that the hook ran before any traffic), then answers by path.
 */
interface Seen {
  path: string;
  observed: unknown;
}
let server: LoopbackServer;
let base = '';
const seen: Seen[] = [];
let probe: () => Promise<unknown> = async () => undefined;

/** The canary's weight on the HTTPRoute (undefined: no canary entry). */
const routeWeight = (namespace: string) => async () => {
  const canary = (await httpRoute(namespace)).spec.rules[0].backendRefs.find((b: { name: string }) => b.name === 'model-canary');
  return canary ? Number(canary.weight) : undefined;
};

beforeAll(async () => {
  cluster = sandbox.cluster();
  server = new LoopbackServer(createServer(async (req, res) => {
    seen.push({ path: req.url ?? '', observed: await probe() });
    const ok = req.url?.startsWith('/v1/models/');
    res.writeHead(ok ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { state: 'AVAILABLE' } : { error: 'model not loaded: weights missing' }));
  }));
  base = await server.listen();
});
afterAll(() => server.close());

async function meshStable(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  probe = routeWeight(namespace);
  await createStable(cluster, namespace, 'model', { replicas: 2, modelVersion: '1.0.0' });
  await createModelRoute(cluster, namespace);
  return namespace;
}

/** One workflow run; a re-run is its next attempt (GitHub starts it once the last one ended): it inherits the canary's lease. */
const attempt = (n: number) => ({ GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: String(n) });

const deploy = (namespace: string, hooks: string, extra: Record<string, string> = {}, runAttempt = 1) =>
  runInProcess(
    run,
    { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'model-version': '2.0.0', 'traffic-router': 'gateway-api', route: 'model', weight: '20', hooks, ...extra },
    { env: { GITHUB_WORKSPACE: workspace, ...attempt(runAttempt) } },
  );

describe('canary-deploy pre-traffic hooks', () => {
  it('run after the rollout while the canary is at 0%, with the canary model version; the canary gets its weight only after they pass', async () => {
    const namespace = await meshStable('pt-ok');
    seen.length = 0;
    const r = await deploy(
      namespace,
      `pre-traffic:
  - {name: model-loaded, kind: http, url: "${base}/v1/models/{{model-version}}", expect: {body: AVAILABLE}}
  - {name: smoke, kind: job, manifest: smoke-ok.yaml, timeout: 1m}
`,
    );
    expect(r.errors).toEqual([]);
    expect(seen).toEqual([{ path: '/v1/models/2.0.0', observed: 0 }]);
    expect(r.stdout).toMatch(/created Job .*\/smoke-[a-z0-9]+ from smoke-ok.yaml \(image r.example\/model:2\)/);
    expect(r.outputs.weight).toBe('20');
    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster, namespace, [
      { name: 'model', port: 80, weight: 80 },
      { name: 'model-canary', port: 80, weight: 20 },
    ]));
    expect(r.summary).toMatch(/### Hooks/);
    expect(r.summary).toMatch(/\| pre-traffic \| `model-loaded` \| http \| ✅ passed \|/);
    expect(r.summary).toMatch(/\| pre-traffic \| `smoke` \| job \| ✅ passed \|/);
    expect(await hookJobs(namespace)).toHaveLength(0); // the Job is removed after it ran

    // A re-run finds the canary serving: no gate left to pass, nothing changes.
    seen.length = 0;
    const again = await deploy(namespace, `pre-traffic:\n  - {name: model-loaded, kind: http, url: "${base}/v1/models/{{model-version}}"}\n`, {}, 2);
    expect(again.failed).toBe(false);
    expect(again.stdout).toMatch(/already receives traffic: its pre-traffic hooks ran before that/);
    expect(seen).toEqual([]);
  });

  it('a failing http hook: the canary never receives traffic, is removed, and the step fails naming the hook and its answer', async () => {
    const namespace = await meshStable('pt-http');
    seen.length = 0;
    const r = await deploy(namespace, `pre-traffic:\n  - {name: model-loaded, kind: http, url: "${base}/broken", retries: 1, backoff: 10ms}\n  - {name: smoke, kind: job, manifest: smoke-ok.yaml}\n`);
    expect(r.failed).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/pre-traffic hook `model-loaded` \(http\) failed: .*500.*model not loaded: weights missing/);
    expect(r.errors[0]).toMatch(/The canary never received traffic: it was removed and stable model serves all traffic/);
    expect(seen.map((s) => s.observed)).toEqual([0, 0]); // both attempts saw the canary at 0%
    expect(r.stdout).not.toMatch(/created Job/); // the gate stops at the first failure
    expect(r.summary).toMatch(/`smoke` \| job \| ⏭️ skipped/);

    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster, namespace, [{ name: 'model', port: 80 }])); // as createModelRoute wrote it
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect(await cluster.find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await livePods(cluster, namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
    const stable = (await get(namespace, 'model'))!;
    expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
    expect(stable.metadata!.annotations!['ai-deploy.dev/rollback-reason']).toMatch(/pre-traffic hook `model-loaded`/);
  });

  it('a failing Job hook: same rollback, the Job removed, its failure named', async () => {
    const namespace = await meshStable('pt-job');
    const r = await deploy(namespace, 'pre-traffic:\n  - {name: migrate-check, kind: job, manifest: smoke-fails.yaml, timeout: 1m}\n');
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toMatch(/pre-traffic hook `migrate-check` \(job\) failed: /);
    expect(await hookJobs(namespace)).toHaveLength(0);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster, namespace, [{ name: 'model', port: 80 }])); // as createModelRoute wrote it
  });

  it('refuses hooks of other stages and missing Job manifests before changing anything', async () => {
    const namespace = await ns('pt-bad');
    await createStable(cluster, namespace, 'model', { replicas: 1 });
    const before = await deploymentSnapshot(cluster, namespace, 'model');
    const stage = await runInProcess(run, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', hooks: `pre-promote:\n  - {kind: http, url: "${base}/x"}\n` });
    expect(stage.errors[0]).toMatch(/Invalid `hooks`: `pre-promote` hooks run in promote, not in this action/);
    const missing = await runInProcess(
      run,
      { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', hooks: 'pre-traffic:\n  - {kind: job, manifest: nope.yaml}\n' },
      { env: { GITHUB_WORKSPACE: workspace } },
    );
    expect(missing.errors[0]).toMatch(/nope\.yaml/);
    expect(await deploymentSnapshot(cluster, namespace, 'model')).toEqual(before);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  });
});

describe('canary-deploy pre-traffic hooks with the replicas router', () => {
  /** Canary pods the stable Service (app=model) selects, and whether the canary's own Service exists. */
  const replicasProbe = (namespace: string) => async () => ({
    canaryPodsInStableService: (await livePods(cluster, namespace, 'app=model,ai-deploy.dev/track=canary')).length,
    canaryService: (await cluster.find(serviceRef(namespace, 'model-canary'))) !== undefined,
  });
  const deployReplicas = (namespace: string, path: string, runAttempt = 1) =>
    runInProcess(
      run,
      {
        kubeconfig: sandboxKubeconfig(),
        deployment: 'model',
        namespace,
        image: 'r.example/model:2',
        'model-version': '2.0.0',
        weight: '25',
        hooks: `pre-traffic:\n  - {name: model-loaded, kind: http, url: "${base}${path}", retries: 0}\n`,
      },
      { env: attempt(runAttempt) },
    );

  it('holds the canary pods out of the stable Service (reachable through their own Service) until the hooks pass, then they join it', async () => {
    const namespace = await ns('pt-rep');
    await createStable(cluster, namespace, 'model', { replicas: 3 });
    probe = replicasProbe(namespace);
    seen.length = 0;
    const r = await deployReplicas(namespace, '/v1/models/{{model-version}}');
    expect(r.errors).toEqual([]);
    expect(seen).toEqual([{ path: '/v1/models/2.0.0', observed: { canaryPodsInStableService: 0, canaryService: true } }]);
    expect(r.stdout).toMatch(/model-canary passed its gate and joined the stable Service/);
    expect(r.outputs.weight).toBe('25');
    expect(await livePods(cluster, namespace, 'app=model,ai-deploy.dev/track=canary')).toHaveLength(1);
    expect(await cluster.find(serviceRef(namespace, 'model-canary'))).toBeUndefined();

    const again = await deployReplicas(namespace, '/v1/models/{{model-version}}', 2);
    expect(again.failed).toBe(false);
    expect(again.stdout).toMatch(/nothing to change/);
  });

  it('a failing hook: the canary pods never joined the stable Service, and the canary and its Service are removed', async () => {
    const namespace = await ns('pt-rep-fail');
    await createStable(cluster, namespace, 'model', { replicas: 3 });
    probe = replicasProbe(namespace);
    seen.length = 0;
    const r = await deployReplicas(namespace, '/broken');
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toMatch(/pre-traffic hook `model-loaded` \(http\) failed: .*500/);
    expect(seen.map((s) => s.observed)).toEqual([{ canaryPodsInStableService: 0, canaryService: true }]);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect(await cluster.find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await cluster.find(serviceRef(namespace, 'model'))).toBeDefined();
    expect(await livePods(cluster, namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
  });
});

describe('canary-deploy post step with hooks', () => {
  const support = new URL('../k8s/support/', import.meta.url).pathname;

  it('after main is killed during a pre-traffic Job, removes the Job and the canary; the canary never had traffic', async () => {
    const namespace = await meshStable('pt-kill');
    const inputs = {
      kubeconfig: sandboxKubeconfig(),
      deployment: 'model',
      namespace,
      image: 'r.example/model:2',
      'traffic-router': 'gateway-api',
      route: 'model',
      hooks: 'pre-traffic:\n  - {name: smoke, kind: job, manifest: smoke-hangs.yaml, timeout: 5m}\n',
    };
    const files = runnerFiles(inputs);
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './register-ts.mjs', 'run-ts-step.mjs', 'canary-deploy', 'main'], {
      cwd: support,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_WORKSPACE: workspace, ...files.env },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code, signal) => r(code ?? (signal ? -1 : null))));
    for (let i = 0; i < 150 && (await hookJobs(namespace)).length === 0; i++) await sleep(200);
    expect(await hookJobs(namespace)).toHaveLength(1);
    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toContainEqual((await storedBackendRefs(cluster, namespace, [{ name: 'model', port: 80, weight: 100 }, { name: 'model-canary', port: 80, weight: 0 }]))[1]);
    child.kill('SIGTERM');
    expect(await exited).not.toBe(0);

    const r = await runInProcess(post, inputs, { state: readKeyValueFile(files.env.GITHUB_STATE) });
    expect(r.errors).toEqual([]);
    expect(r.stdout).toMatch(/Removed hook Jobs left by the unfinished run: smoke-[a-z0-9]+/);
    expect((await hookJobs(namespace)).filter((j) => !j.metadata?.deletionTimestamp)).toHaveLength(0);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect((await httpRoute(namespace)).spec.rules[0].backendRefs).toEqual(await storedBackendRefs(cluster, namespace, [{ name: 'model', port: 80 }])); // as createModelRoute wrote it
  });
});
