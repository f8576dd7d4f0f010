import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
// @ts-expect-error: a plain ESM script shared with the README generator
import { readAction } from '../scripts/action-metadata.mjs';
import { ASSERTION_KINDS } from '../shared/validation/assertions/compile.js';
import { decodeCanaryState } from '../shared/canary/state.js';
import { ROUTER_KINDS, type RouterKind } from '../shared/traffic/kinds.js';
import { HOOK_KINDS } from '../shared/hooks/types.js';
import { deploymentRef, serviceRef } from '../shared/k8s/objects.js';
import type { Cluster } from '../shared/k8s/cluster.js';
import type { ModelRegistry } from '../shared/registry/registry.js';
import { runBundled } from './support/run-step.js';
import { FakeGitHub, SUPPORTED_API_VERSIONS } from './support/fake-github.js';
import { LoopbackServer } from './support/loopback-server.js';
import { ModelServer } from './support/model-server.js';
import { freshRegistry, modelFolder, s3Endpoint } from './registry/support.js';
import { buildahEnv, buildContext, registries, skopeoDigest, tempDir, uniqueRepository } from './image/support.js';
import { TRACE_METRICS, traceFixture } from './actions/monitor-canary-support.js';
import { createModelIngress, createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from './k8s/support/sandbox-cluster.js';
import { folderWith, jsonl } from './validation/fixtures.js';

/**
 * What ships is what is tested: one scenario per user-facing feature, run from the committed bundle in
 * dist/ the way the runner runs it (a child Node process, INPUT_* variables with action.yml defaults,
 * the runner's files), so a bundler rewrite cannot break a feature while the specs of the TypeScript
 * sources stay green. The lists of features come from the sources (assertion kinds, routers, hook
 * kinds): a new one without a scenario here fails this spec. CI rebuilds dist/ before the tests;
 * locally, run `npm run bundle` first.
 */
const dist = new URL('../dist/', import.meta.url).pathname;

/** Runs `dist/<action>/main.js` with the inputs given plus the defaults action.yml declares, as the runner does. */
function fromDist(action: string, inputs: Record<string, string>, env: Record<string, string> = {}, timeoutMs = 60_000) {
  const declared = (readAction(action) as { inputs?: Record<string, { default?: unknown }> }).inputs ?? {};
  const defaults = Object.fromEntries(Object.entries(declared).filter(([, i]) => i.default !== undefined).map(([name, i]) => [name, String(i.default)]));
  return runBundled(action, 'main', { ...defaults, ...inputs }, { env: { RUNNER_TEMP: tempDir('ai-deploy-runner-'), ...env }, timeoutMs });
}

/** On a failed expectation, the step's log says why. */
function explain(result: { stdout: string; stderr: string }): string {
  return `\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-2000)}`;
}

function expectSucceeded(result: { exitCode: number | null; errors: string[]; stdout: string; stderr: string }): void {
  if (result.exitCode !== 0 || result.errors.length) throw new Error(`the step failed (exit ${result.exitCode}): ${result.errors.join('; ')}${explain(result)}`);
}

beforeAll(() => {
  if (!existsSync(join(dist, 'index.js'))) throw new Error('dist/index.js is missing: run `npm run bundle` before this spec.');
});

const aws = () => ({ AWS_ENDPOINT_URL: s3Endpoint(), AWS_ACCESS_KEY_ID: 'sandbox', AWS_SECRET_ACCESS_KEY: 'sandbox', AWS_REGION: 'us-east-1' });

// ---------------------------------------------------------------------------------------------------
// model-validate: every assertion kind, custom modules, the registry, GitHub

const ANSWERS = {
  'Capital of France?': 'The capital of France is Paris.',
  'Give JSON': '{"answer": 42, "unit": "m"}',
  'Describe rain': 'Rain is water falling from clouds in the sky.',
};

/** One passing case per assertion kind (keyed by kind), against the answers above. */
const ONE_CASE_PER_KIND: Record<string, { input: string; repeats?: number; assert: Record<string, unknown>[] }> = {
  equals: { input: 'Capital of France?', assert: [{ equals: 'The capital of France is Paris.' }] },
  contains: { input: 'Capital of France?', assert: [{ contains: 'Paris' }] },
  icontains: { input: 'Capital of France?', assert: [{ icontains: 'PARIS' }] },
  'contains-any': { input: 'Capital of France?', assert: [{ 'contains-any': ['Rome', 'Paris'] }] },
  'contains-all': { input: 'Capital of France?', assert: [{ 'contains-all': ['capital', 'Paris'] }] },
  'not-contains': { input: 'Capital of France?', assert: [{ 'not-contains': 'London' }] },
  'starts-with': { input: 'Capital of France?', assert: [{ 'starts-with': 'The capital' }] },
  regex: { input: 'Capital of France?', assert: [{ regex: 'paris\\.$', flags: 'i' }] },
  levenshtein: { input: 'Capital of France?', assert: [{ levenshtein: 'The capital of France is Paris!', threshold: 2 }] },
  topics: { input: 'Describe rain', assert: [{ topics: ['water', ['cloud', 'clouds']], threshold: 1 }] },
  refusal: { input: 'Describe rain', assert: [{ refusal: false }] },
  consistent: { input: 'Describe rain', repeats: 3, assert: [{ consistent: true }] },
  'latency-ms': { input: 'Describe rain', assert: [{ 'latency-ms': 10_000 }] },
  'is-json': { input: 'Give JSON', assert: [{ 'is-json': true, schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'number' } } } }] },
  'json-path': { input: 'Give JSON', assert: [{ 'json-path': '$.answer', equals: 42 }] },
  // Both module systems, from a folder below the suite (the step runs with another working directory).
  custom: { input: 'Describe rain', assert: [{ custom: './checks/rain.mjs' }, { custom: './checks/rain.cjs', threshold: 0.5 }] },
  // Streamed answers (the suite's `endpoint: {stream: true}`): the first token and the output rate, timed.
  'ttft-ms': { input: 'Describe rain', assert: [{ 'ttft-ms': 10_000 }] },
  'tokens-per-second': { input: 'Describe rain', assert: [{ 'tokens-per-second': 1 }] },
  // Graded by the judge the `judge-*` inputs name (the same local server in its `judge` mode).
  judge: { input: 'Capital of France?', assert: [{ judge: 'The answer mentions Paris' }] },
};

/** Kinds that need more than a plain chat endpoint: a streamed answer, or a judge. */
const NEEDS_STREAM_OR_JUDGE = new Set(['ttft-ms', 'tokens-per-second', 'judge']);

describe('model-validate from dist/', () => {
  // Streamed answers come one word per event, 2 ms apart, so the output rate is measured over real time.
  const server = new ModelServer({ answers: ANSWERS, streamDelayMs: 2 });
  const github = new FakeGitHub();
  let registry: ModelRegistry;
  let bucket: string;
  let suite: { dir: string; path: (name: string) => string };
  beforeAll(async () => {
    await Promise.all([server.start(), github.start()]);
    github.on('POST', '/repos/acme/models/check-runs', { status: 201, body: { id: 77 } });
    ({ registry, bucket } = await freshRegistry('parity'));
    suite = folderWith({
      // Every kind, streamed (the settings in the JSONL header line); and the plain kinds, answered whole.
      'qa.jsonl': jsonl([{ suite: { name: 'qa', endpoint: { stream: true, model: 'qa' } } }, ...Object.entries(ONE_CASE_PER_KIND).map(([kind, c]) => ({ id: kind, ...c }))]),
      'plain.jsonl': jsonl(Object.entries(ONE_CASE_PER_KIND).filter(([kind]) => !NEEDS_STREAM_OR_JUDGE.has(kind)).map(([kind, c]) => ({ id: kind, ...c }))),
      'broken.jsonl': jsonl([{ id: 'fine', input: 'Describe rain', assert: [{ contains: 'Rain' }] }, { id: 'no-function', input: 'Describe rain', assert: [{ custom: './checks/config.mjs' }] }]),
    });
    mkdirSync(suite.path('checks'));
    writeFileSync(suite.path('checks/rain.mjs'), 'export default (output) => output.includes("Rain");\n');
    writeFileSync(suite.path('checks/rain.cjs'), 'module.exports = (output, context) => ({ pass: context.caseId === "custom" && output.includes("clouds"), score: 0.9 });\n');
    writeFileSync(suite.path('checks/config.mjs'), 'export const threshold = 0.5;\n');
  });
  afterAll(() => Promise.all([server.stop(), github.stop()]));

  it('has a case for every assertion kind the sources define', () => {
    expect(Object.keys(ONE_CASE_PER_KIND).sort()).toEqual([...ASSERTION_KINDS].sort());
  });

  it('passes a case of every assertion kind (custom modules in ESM and CommonJS, streamed answers, a judge), publishes to the registry and reports to GitHub', async () => {
    const env = { ...aws(), GITHUB_WORKSPACE: suite.dir, GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/models', GITHUB_SHA: 'abc123' };
    // The model a previous step of the job built or fetched into the workspace, named as a workflow does (relative to it).
    mkdirSync(suite.path('model'));
    writeFileSync(suite.path('model/weights.bin'), 'w1');
    writeFileSync(suite.path('model/config.json'), '{"layers": 2}');
    const judged = server.requests.judge ?? 0;
    const judge = { 'judge-endpoint': server.chatUrl('judge'), 'judge-api-key': 'judge-parity-key', 'judge-model': 'grader' };
    const r = await fromDist('model-validate', { suite: 'qa.jsonl', endpoint: server.chatUrl('deterministic'), ...judge, registry: `s3://${bucket}/parity`, model: 'qa', version: '1.0.0', 'model-path': 'model', publish: 'true', 'github-token': 'ghs_parity', threshold: '0.5' }, env);
    expectSucceeded(r);
    const report = JSON.parse(readFileSync(r.outputs.report, 'utf8')) as { cases: { id: string; passed: boolean; reason?: string; ttftMs?: number; tokensPerSecond?: number }[]; tally: { assertions: Record<string, { checks: number; passed: number }> } };
    expect(report.cases.filter((c) => !c.passed).map((c) => `${c.id}: ${c.reason}`)).toEqual([]);
    expect(report.cases.map((c) => c.id).sort()).toEqual([...ASSERTION_KINDS].sort());
    // The streamed gates were measured, not skipped; the judge was asked once and said yes.
    const byId = Object.fromEntries(report.cases.map((c) => [c.id, c]));
    expect(byId['ttft-ms'].ttftMs).toBeGreaterThan(0);
    expect(byId['tokens-per-second'].tokensPerSecond).toBeGreaterThan(0);
    expect(report.tally.assertions.judge).toEqual({ checks: 1, passed: 1 });
    expect((server.requests.judge ?? 0) - judged).toBe(1);
    expect(readFileSync(r.outputs.report, 'utf8')).not.toContain('judge-parity-key');
    expect(r.outputs.verdict).toBe('pass');
    expect((await registry.versions('qa')).map(String)).toEqual(['1.0.0']);
    const [check] = github.received('POST', '/repos/acme/models/check-runs');
    expect(check.body).toMatchObject({ name: 'model-validate', head_sha: 'abc123', conclusion: 'success' });
    expect(check.headers['x-github-api-version']).toBe(SUPPORTED_API_VERSIONS[0]);
  });

  it('resolves `latest` in the registry and downloads the model it names', async () => {
    // The plain kinds, answered whole (no `stream`): the non-streamed path from the bundle too.
    const r = await fromDist('model-validate', { suite: 'plain.jsonl', endpoint: server.chatUrl('deterministic'), registry: `s3://${bucket}/parity`, model: 'qa', version: 'latest', threshold: '0.5' }, { ...aws(), GITHUB_WORKSPACE: suite.dir });
    expectSucceeded(r);
    expect(r.outputs.version).toBe('1.0.0');
    expect(readFileSync(join(r.outputs['model-dir'], 'config.json'), 'utf8')).toBe('{"layers": 2}');
  });

  it('refuses a custom module that exports no function, naming the case and its line, before any request', async () => {
    const before = server.requests.deterministic ?? 0;
    const r = await fromDist('model-validate', { suite: 'broken.jsonl', endpoint: server.chatUrl('deterministic') }, { GITHUB_WORKSPACE: suite.dir });
    expect(r.exitCode).toBe(1);
    expect(r.errors).toEqual([expect.stringMatching(/^Case `no-function` \(.*broken\.jsonl line 2\): `custom` module '\.\/checks\/config\.mjs' exports no function/)]);
    expect(server.requests.deterministic ?? 0).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------------
// canary-deploy, auto-rollback and promote: every router, hooks, the registry pointer

const sandbox = useSandboxNamespaces();
let cluster: Cluster;
beforeAll(() => {
  cluster = sandbox.cluster();
});
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const deployment = (namespace: string, name: string) => cluster.find<V1Deployment>(deploymentRef(namespace, name));

/** The route object each router weighs, sending all traffic to Service `model` (none for replicas). */
const ROUTE_OBJECTS: Record<RouterKind, (namespace: string) => Promise<{ apiVersion: string; kind: string } | undefined>> = {
  replicas: async () => undefined,
  'gateway-api': async (namespace) => {
    await createModelRoute(cluster, namespace);
    return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' };
  },
  istio: async (namespace) => {
    await cluster.create({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'model', namespace }, spec: { hosts: ['model'], http: [{ route: [{ destination: { host: 'model', port: { number: 80 } } }] }] } });
    return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService' };
  },
  smi: async (namespace) => {
    await cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model-root', namespace }, spec: { selector: { app: 'model' }, ports: [{ port: 80 }] } });
    await cluster.create({ apiVersion: 'split.smi-spec.io/v1alpha3', kind: 'TrafficSplit', metadata: { name: 'model', namespace }, spec: { service: 'model-root', backends: [{ service: 'model', weight: 100 }] } });
    return { apiVersion: 'split.smi-spec.io/v1alpha3', kind: 'TrafficSplit' };
  },
  nginx: async (namespace) => {
    await createModelIngress(cluster, namespace);
    return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' };
  },
  alb: async (namespace) => {
    await cluster.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'model', namespace, annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' } },
      spec: { ingressClassName: 'alb', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'model', port: { number: 80 } } } }] } }] },
    });
    return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' };
  },
};

/** Everything of the route objects a router may touch in the namespace, as text (to see the canary's share come and go). */
async function routeText(namespace: string, route: { apiVersion: string; kind: string } | undefined): Promise<string> {
  if (!route) return '';
  return JSON.stringify((await cluster.list(route.apiVersion, route.kind, namespace)).map((o) => [o.metadata?.name, o.metadata?.annotations, o.spec]));
}

describe.each(ROUTER_KINDS.map((kind) => [kind]))('the %s router from dist/', (kind) => {
  it('canary-deploy gives the canary its weight on the route, and auto-rollback takes it back and removes the canary', async () => {
    expect(ROUTE_OBJECTS[kind]).toBeDefined();
    const namespace = await sandbox.ns(`par-${kind.slice(0, 5)}`);
    // 3 stable pods: 25% is one canary pod of four with the replicas router, and a weight of 25 on the route with the others.
    await createStable(cluster, namespace, 'model', { replicas: 3, modelVersion: '1.0.0' });
    const route = await ROUTE_OBJECTS[kind](namespace);
    const deployed = await fromDist('canary-deploy', { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'model-version': '2.0.0', 'traffic-router': kind, ...(route ? { route: 'model' } : {}), weight: '25' });
    expectSucceeded(deployed);
    expect(deployed.outputs).toMatchObject({ canary: 'model-canary', 'canary-image': 'r.example/model:2', weight: '25' });
    const state = decodeCanaryState((await deployment(namespace, 'model'))!.metadata!.annotations);
    expect(state).toMatchObject({ phase: 'ready', weight: 25, router: { kind } });
    expect((await deployment(namespace, 'model-canary'))!.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    if (route) expect(await routeText(namespace, route)).toMatch(/model-canary|canary-weight/);

    const back = await fromDist('auto-rollback', { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'parity check' });
    expectSucceeded(back);
    expect(await deployment(namespace, 'model-canary')).toBeUndefined();
    expect(await cluster.find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
    expect(decodeCanaryState((await deployment(namespace, 'model'))!.metadata!.annotations)).toBeUndefined();
    if (route) expect(await routeText(namespace, route)).not.toMatch(/model-canary|canary-weight/);
  });
});

describe('traffic shaping from dist/', () => {
  it('canary-deploy with match and session-affinity (gateway-api) adds the match and session rules, and auto-rollback removes them', async () => {
    const namespace = await sandbox.ns('par-shape');
    await createStable(cluster, namespace, 'model', { replicas: 2 });
    const route = await ROUTE_OBJECTS['gateway-api'](namespace);
    const match = '- header: x-canary\n  value: always\n';
    expectSucceeded(await fromDist('canary-deploy', { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', weight: '10', match, 'session-affinity': 'cookie' }));
    const rules = (await cluster.get({ ...route!, namespace, name: 'model' })).spec.rules;
    // The match rule (header or the canary's cookie), stable's session rule, then the user's weighted rule (the CRD's
    // default match: every path, no header).
    expect(rules.map((r: { matches?: { headers?: { name: string }[] }[] }) => (r.matches ?? []).map((m) => (m.headers ?? []).map((h) => h.name)))).toEqual([[['x-canary'], ['Cookie']], [['Cookie']], [[]]]);
    expectSucceeded(await fromDist('auto-rollback', { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'parity check' }));
    expect(await routeText(namespace, route)).not.toMatch(/model-canary|Cookie|x-canary/);
  });

  it('canary-deploy with strategy: shadow (istio) mirrors to the canary at weight 0, and auto-rollback removes the mirror', async () => {
    const namespace = await sandbox.ns('par-shadow');
    await createStable(cluster, namespace, 'model', { replicas: 2 });
    const route = await ROUTE_OBJECTS.istio(namespace);
    const deployed = await fromDist('canary-deploy', { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'istio', route: 'model', strategy: 'shadow', 'mirror-percent': '30' });
    expectSucceeded(deployed);
    expect(deployed.outputs.weight).toBe('30');
    const http = (await cluster.get({ ...route!, namespace, name: 'model' })).spec.http;
    expect(http[0]).toMatchObject({ mirror: { host: 'model-canary' }, mirrorPercentage: { value: 30 } });
    expect(http[0].route.find((d: { destination: { host: string } }) => d.destination.host === 'model-canary').weight).toBe(0);
    expectSucceeded(await fromDist('auto-rollback', { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'parity check' }));
    expect(await routeText(namespace, route)).not.toMatch(/model-canary|mirror/);
  });

  it('canary-deploy with strategy: canary on that shadow canary turns it weighted in place (no mirror, the weight), and auto-rollback restores stable', async () => {
    const namespace = await sandbox.ns('par-shconv');
    await createStable(cluster, namespace, 'model', { replicas: 2 });
    const route = await ROUTE_OBJECTS.istio(namespace);
    const inputs = { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'istio', route: 'model' };
    expectSucceeded(await fromDist('canary-deploy', { ...inputs, strategy: 'shadow', 'mirror-percent': '30' }));
    const converted = await fromDist('canary-deploy', { ...inputs, strategy: 'canary', weight: '20' });
    expectSucceeded(converted);
    expect(converted.outputs.weight).toBe('20');
    const http = (await cluster.get({ ...route!, namespace, name: 'model' })).spec.http;
    expect(http[0].mirror).toBeUndefined();
    expect(http[0].route.map((d: { destination: { host: string }; weight: number }) => [d.destination.host, d.weight])).toEqual([['model', 80], ['model-canary', 20]]);
    expectSucceeded(await fromDist('auto-rollback', { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'parity check' }));
    expect(await routeText(namespace, route)).not.toMatch(/model-canary|mirror/);
  });
});

describe('promote from dist/ with the registry', () => {
  it('rolls the stable to the canary and points the registry environment at its model version', async () => {
    const { registry, bucket } = await freshRegistry('parity-promote');
    await registry.publish({ model: 'sentiment', version: '2.0.0', folder: await modelFolder({ 'weights.bin': 'w2' }), framework: 'onnx', createdBy: 'parity' });
    const namespace = await sandbox.ns('par-prom');
    await createStable(cluster, namespace, 'model', { replicas: 1, modelVersion: '1.0.0' });
    expectSucceeded(await fromDist('canary-deploy', { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'model-version': '2.0.0' }));
    const r = await fromDist('promote', { ...kube(), deployment: 'model', namespace, registry: `s3://${bucket}/parity-promote`, model: 'sentiment', environment: 'production' }, aws());
    expectSucceeded(r);
    expect((await deployment(namespace, 'model'))!.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(await deployment(namespace, 'model-canary')).toBeUndefined();
    expect(await registry.pointer('sentiment', 'production')).toMatchObject({ version: '2.0.0' });
  });
});

describe('autoscaled, GitOps-managed stable from dist/', () => {
  it('canary-deploy warns about the HPA and Argo CD, holds the HPA minimum, creates untracked canary objects; promote keeps capacity and restores the HPA', async () => {
    const namespace = await sandbox.ns('par-hpa');
    await createStable(cluster, namespace, 'model', { replicas: 6 });
    await cluster.mergePatch(deploymentRef(namespace, 'model'), { metadata: { labels: { 'app.kubernetes.io/instance': 'models' }, annotations: { 'argocd.argoproj.io/tracking-id': 'models:apps/Deployment:x/model' } } });
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace, name: 'model' };
    await cluster.create({ ...hpa, metadata: { name: 'model', namespace }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'model' }, minReplicas: 2, maxReplicas: 10 } });
    const deployed = await fromDist('canary-deploy', { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', weight: '25' });
    expectSucceeded(deployed);
    expect(deployed.stdout).toMatch(/::warning::Deployment .*\/model is managed by Argo CD application models/);
    expect(deployed.stdout).toMatch(/::warning::Deployment .*\/model is autoscaled by HorizontalPodAutoscaler/);
    expect((await cluster.get(hpa)).spec.minReplicas).toBe(6);
    const canary = (await deployment(namespace, 'model-canary'))!;
    expect(canary.spec!.replicas).toBe(2);
    expect(canary.metadata!.labels!['app.kubernetes.io/instance']).toBeUndefined();
    expect(canary.metadata!.annotations).toMatchObject({ 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous', 'argocd.argoproj.io/sync-options': 'Prune=false' });
    const promoted = await fromDist('promote', { ...kube(), deployment: 'model', namespace });
    expectSucceeded(promoted);
    expect((await deployment(namespace, 'model'))!.spec!.replicas).toBe(8);
    expect((await cluster.get(hpa)).spec.minReplicas).toBe(2);
    expect(promoted.stdout).toMatch(/rolls out with maxUnavailable 0, maxSurge 25%/);
    expect((await deployment(namespace, 'model'))!.spec!.strategy!.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
  });
});

describe('hooks from dist/', () => {
  let server: LoopbackServer;
  let base = '';
  const paths: string[] = [];
  beforeAll(async () => {
    server = new LoopbackServer(createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"state": "AVAILABLE"}');
    }));
    base = await server.listen();
  });
  afterAll(() => server.close());

  const HOOKS: Record<string, string> = {
    http: `{name: loaded, kind: http, url: "${'{{base}}'}/v1/models/{{model-version}}", expect: {body: AVAILABLE}}`,
    job: '{name: smoke, kind: job, manifest: smoke.yaml, timeout: 1m}',
  };

  it('canary-deploy runs a pre-traffic hook of every kind before the canary gets traffic', async () => {
    expect(Object.keys(HOOKS).sort()).toEqual([...HOOK_KINDS].sort());
    const workspace = buildContext({
      'smoke.yaml': 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: smoke}\nspec:\n  template:\n    metadata: {annotations: {ai-deploy.test/job-duration: 1s}}\n    spec:\n      containers: [{name: smoke, image: "{{image}}"}]\n',
    });
    const namespace = await sandbox.ns('par-hooks');
    await createStable(cluster, namespace, 'model', { replicas: 2, modelVersion: '1.0.0' });
    await createModelRoute(cluster, namespace);
    const hooks = `pre-traffic:\n${Object.values(HOOKS).map((h) => `  - ${h.replace('{{base}}', base)}`).join('\n')}\n`;
    const r = await fromDist(
      'canary-deploy',
      { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2', 'model-version': '2.0.0', 'traffic-router': 'gateway-api', route: 'model', weight: '20', hooks },
      { GITHUB_WORKSPACE: workspace },
    );
    expectSucceeded(r);
    expect(paths).toContain('/v1/models/2.0.0');
    expect(r.summary).toMatch(/\| pre-traffic \| `loaded` \| http \| ✅ passed \|/);
    expect(r.summary).toMatch(/\| pre-traffic \| `smoke` \| job \| ✅ passed \|/);
    expect(r.outputs.weight).toBe('20');
  });
});

// ---------------------------------------------------------------------------------------------------
// monitor-canary replay and build-image

describe('monitor-canary replay from dist/', () => {
  it('fails a recorded bad canary early, naming the metric, and passes a good one', async () => {
    // The recorded traces are files of the checked-out repository: in the workspace, named relative to it.
    const workspace = folderWith({ 'trace-bad.json': readFileSync(traceFixture('trace-bad.json'), 'utf8'), 'trace-good.json': readFileSync(traceFixture('trace-good.json'), 'utf8') });
    const env = { ACTIONS_RUNTIME_TOKEN: '', GITHUB_WORKSPACE: workspace.dir };
    const bad = await fromDist('monitor-canary', { metrics: TRACE_METRICS, replay: 'trace-bad.json' }, env);
    expectSucceeded(bad); // replay only reports: its verdict does not fail the step
    expect(bad.outputs).toMatchObject({ verdict: 'fail', reason: expect.stringMatching(/error-rate/) });
    const good = await fromDist('monitor-canary', { metrics: TRACE_METRICS, replay: 'trace-good.json' }, env);
    expectSucceeded(good);
    expect(good.outputs.verdict).toBe('pass');
  });
});

describe('build-image from dist/', () => {
  it('builds with buildah, pushes to the registry and outputs the digest it holds', async () => {
    const { auth } = registries();
    const repo = uniqueRepository('parity');
    const image = `${auth.host}/${repo}`;
    const workspace = buildContext({ Dockerfile: 'FROM scratch\nARG MODEL_VERSION=unset\nLABEL model.version=$MODEL_VERSION\nCOPY model.txt /srv/model.txt\n', 'model.txt': 'weights\n' });
    const noLogins = join(tempDir(), 'auth.json');
    writeFileSync(noLogins, '{"auths":{}}');
    const r = await fromDist(
      'build-image',
      { image, tags: '1.0.0', 'build-args': 'MODEL_VERSION=1.0.0', builder: 'buildah', 'registry-username': auth.credentials.username, 'registry-password': auth.credentials.password },
      {
        ...buildahEnv(),
        GITHUB_WORKSPACE: workspace,
        GITHUB_SHA: '4f2c9e1b7a3d5f60819e2d3c4b5a69788796a5b4',
        GITHUB_REF: 'refs/heads/main',
        GITHUB_REPOSITORY: 'acme/model-server',
        GITHUB_SERVER_URL: 'https://github.com',
        DOCKER_CONFIG: tempDir(),
        REGISTRY_AUTH_FILE: noLogins,
        XDG_RUNTIME_DIR: tempDir(),
      },
      180_000,
    );
    expectSucceeded(r);
    const digest = skopeoDigest(auth, `${repo}:1.0.0`);
    expect(r.outputs).toMatchObject({ digest, image: `${image}@${digest}` });
  }, 200_000);
});
