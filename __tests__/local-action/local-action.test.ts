import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { createStable, dropNamespace, freshNamespace, sandboxCluster, sandboxKubeconfig } from '../k8s/support/sandbox-cluster.js';
import { TRACE_METRICS, traceFixture } from '../actions/monitor-canary-support.js';
import { runLocalAction } from './run-local-action.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { runInProcess } from '../support/run-step.js';
import { buildahEnv, buildContext, registries, skopeoDigest, tempDir, uniqueRepository } from '../image/support.js';
import { ModelServer } from '../support/model-server.js';
import { folderWith, jsonl } from '../validation/fixtures.js';

/**
 * The actions run unchanged under GitHub's `@github/local-action`: it imports `actions/<x>/main.ts`, calls
 * its `run()`, and stands in for `@actions/core`. Only what goes through `core` reaches it, so these also
 * show that no secret is printed (a hand-written `::add-mask::<secret>` line would print it in clear).
 */

/** The credential values of a kubeconfig: what must never appear in a log. */
function credentials(kubeconfig: string): string[] {
  return [...kubeconfig.matchAll(/^\s*(?:token|client-key-data|client-certificate-data|password):\s*(\S+)/gm)].map((m) => m[1]);
}

let cluster: Cluster;
let namespace: string;
const kubeconfig = sandboxKubeconfig();
const secrets = credentials(kubeconfig);

beforeAll(async () => {
  cluster = await sandboxCluster();
  namespace = await freshNamespace(cluster, 'local-action');
});
afterAll(async () => {
  await dropNamespace(cluster, namespace);
});

function expectNoSecretIn(output: string, values: string[]): void {
  expect(values.length).toBeGreaterThan(0);
  for (const value of values) expect(output.includes(value)).toBe(false);
}

describe('@github/local-action runs our actions as they are', () => {
  it('canary-deploy with a bad input fails with the one clear message, no stack trace, and no credential printed', async () => {
    const r = await runLocalAction('canary-deploy', { deployment: 'Model_1', namespace, kubeconfig, image: 'r.example/model:2' });
    expect(r.errors).toEqual([
      "Invalid `deployment`: 'Model_1'. Expected a Kubernetes object name: lower-case letters, digits, '-' and '.', at most 244 characters, starting and ending with a letter or digit.",
    ]);
    expect(r.output).not.toMatch(/\n\s+at /);
    expectNoSecretIn(r.output, secrets);
    expect(await cluster.find(deploymentRef(namespace, 'Model_1-canary'))).toBeUndefined();
  });

  it('canary-deploy against the sandbox starts the canary, sets its outputs, and prints no credential', async () => {
    await createStable(cluster, namespace, 'model', { replicas: 4 }); // 4 stable + 1 canary pod: the replicas router's 20%
    const r = await runLocalAction('canary-deploy', { deployment: 'model', namespace, kubeconfig, image: 'r.example/model:2', weight: '20' });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ canary: 'model-canary', 'canary-image': 'r.example/model:2', weight: '20' });
    expect(readFileSync(r.summaryFile, 'utf8')).toContain(`### Canary started: ${namespace}/model-canary`);
    expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeDefined();
    expectNoSecretIn(r.output, secrets);
  });

  it('monitor-canary replays a recorded trace to its verdict and prints no secret a hook would send', async () => {
    const token = 'load-test-token-5f2c9a7e';
    const hooks = 'during:\n  - name: load\n    kind: http\n    url: https://load.example.com/start\n    headers:\n      Authorization: Bearer {{env.LOAD_TOKEN}}\n';
    const r = await runLocalAction('monitor-canary', { metrics: TRACE_METRICS, replay: traceFixture('trace-bad.json'), hooks }, { LOAD_TOKEN: token });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ verdict: 'fail', reason: expect.stringMatching(/^error-rate: /) });
    expect(readFileSync(r.summaryFile, 'utf8')).toContain('## monitor-canary: ❌ fail');
    expectNoSecretIn(r.output, [token]);
  });

  it('promote makes the canary stable and prints no credential; auto-rollback removes a second canary and keeps stable', async () => {
    // The canaries are set up in this process: what is under test is promote and auto-rollback under local-action.
    await createStable(cluster, namespace, 'promo', { replicas: 2 });
    const start = (image: string) => runInProcess(canaryDeploy, { deployment: 'promo', namespace, kubeconfig, image, weight: '20' });
    expect((await start('r.example/model:2')).errors).toEqual([]);
    const promoted = await runLocalAction('promote', { deployment: 'promo', namespace, kubeconfig });
    expect(promoted.errors).toEqual([]);
    expect(promoted.outputs).toMatchObject({ image: 'r.example/model:2', 'previous-image': 'registry.example/model:1.0.0' });
    expect((await cluster.get<V1Deployment>(deploymentRef(namespace, 'promo'))).spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(await cluster.find(deploymentRef(namespace, 'promo-canary'))).toBeUndefined();
    expectNoSecretIn(promoted.output, secrets);

    expect((await start('r.example/model:3')).errors).toEqual([]);
    const back = await runLocalAction('auto-rollback', { deployment: 'promo', namespace, kubeconfig, mode: 'canary', reason: 'local-action check' });
    expect(back.errors).toEqual([]);
    expect(back.outputs).toMatchObject({ 'rolled-back': 'true' });
    expect(await cluster.find(deploymentRef(namespace, 'promo-canary'))).toBeUndefined();
    expect((await cluster.get<V1Deployment>(deploymentRef(namespace, 'promo'))).spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expectNoSecretIn(back.output, secrets);
  }, 240_000);

  it('model-validate runs a suite from the workspace against an endpoint and passes it; the endpoint key is not printed', async () => {
    const server = await new ModelServer({ answers: { 'Capital of France?': 'The capital of France is Paris.' } }).start();
    try {
      const workspace = folderWith({ 'qa.jsonl': jsonl(Array.from({ length: 8 }, (_, i) => ({ id: `capital-${i}`, input: 'Capital of France?', assert: [{ contains: 'Paris' }] }))) });
      const key = 'sk-local-action-3f9a1c';
      const r = await runLocalAction('model-validate', { suite: 'qa.jsonl', endpoint: server.chatUrl('deterministic'), 'api-key': key, threshold: '60%' }, { GITHUB_WORKSPACE: workspace.dir, RUNNER_TEMP: tempDir() });
      expect(r.errors).toEqual([]);
      expect(r.outputs).toMatchObject({ verdict: 'pass' });
      expectNoSecretIn(r.output, [key]);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('build-image builds with buildah, pushes, and outputs the digest the registry holds; the registry password is not printed', async () => {
    const { auth } = registries();
    const repo = uniqueRepository('local-action');
    const workspace = buildContext({ Dockerfile: 'FROM scratch\nCOPY model.txt /srv/model.txt\n', 'model.txt': 'weights\n' });
    const noLogins = join(tempDir(), 'auth.json');
    writeFileSync(noLogins, '{"auths":{}}');
    const r = await runLocalAction(
      'build-image',
      { image: `${auth.host}/${repo}`, tags: '1.0.0', builder: 'buildah', 'registry-username': auth.credentials.username, 'registry-password': auth.credentials.password },
      { ...buildahEnv(), GITHUB_WORKSPACE: workspace, GITHUB_SHA: '4f2c9e1b7a3d5f60819e2d3c4b5a69788796a5b4', GITHUB_REF: 'refs/heads/main', DOCKER_CONFIG: tempDir(), REGISTRY_AUTH_FILE: noLogins, XDG_RUNTIME_DIR: tempDir(), RUNNER_TEMP: tempDir() },
      180_000,
    );
    expect(r.errors).toEqual([]);
    const digest = skopeoDigest(auth, `${repo}:1.0.0`);
    expect(r.outputs).toMatchObject({ digest, image: `${auth.host}/${repo}@${digest}` });
    expectNoSecretIn(r.output, [auth.credentials.password]);
  }, 200_000);
});
