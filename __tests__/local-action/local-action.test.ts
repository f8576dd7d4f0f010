import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { createStable, dropNamespace, freshNamespace, sandboxCluster, sandboxKubeconfig } from '../k8s/support/sandbox-cluster.js';
import { TRACE_METRICS, traceFixture } from '../actions/monitor-canary-support.js';
import { runLocalAction } from './run-local-action.js';

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
});
