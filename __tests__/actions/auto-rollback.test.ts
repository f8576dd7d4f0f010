import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { FakeGitHub } from '../support/fake-github.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createStable, livePods, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));

/** A Slack-compatible webhook receiver that keeps what it is sent. */
async function fakeWebhook() {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/B000/secretpart`, received, close: () => new Promise((r) => server.close(r)) };
}

describe('auto-rollback', () => {
  it('mode canary: all traffic back to stable, canary removed, state cleared, reason recorded; a second run is a no-op', async () => {
    const namespace = await ns('arb');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2' })).failed).toBe(false);
    expect(await livePods(cluster(), namespace, 'ai-deploy.dev/track=canary')).not.toHaveLength(0);

    const hook = await fakeWebhook();
    const github = await new FakeGitHub()
      .on('GET', '/repos/acme/model/deployments', { status: 200, body: [{ id: 42 }] })
      .on('POST', '/repos/acme/model/deployments/42/statuses', { status: 201, body: { id: 1 } })
      .start();
    const env = { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'acme/model', GITHUB_SHA: 'abc123', GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.example' };
    try {
      const r = await runInProcess(
        autoRollback,
        { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'error rate 5%', 'notify-webhook': hook.url, 'github-token': 'ghs_faketoken123', environment: 'production' },
        { env },
      );
      expect(r.errors).toEqual([]);
      expect(r.outputs).toEqual({ 'rolled-back': 'true', 'from-image': 'r.example/model:2', 'to-image': 'registry.example/model:1.0.0' });
      expect(await get(namespace, 'model-canary')).toBeUndefined();
      expect(await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
      const stable = (await get(namespace, 'model'))!;
      expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
      expect(stable.metadata!.annotations).toMatchObject({ 'ai-deploy.dev/rollback-reason': 'error rate 5%', 'ai-deploy.dev/rollback-mode': 'canary' });

      expect(hook.received).toHaveLength(1);
      expect(hook.received[0]).toMatchObject({ contentType: 'application/json', body: { text: expect.stringContaining(`Rolled back ${namespace}/model (canary) from r.example/model:2 to registry.example/model:1.0.0: error rate 5%`) } });
      const statuses = github.received('POST', '/repos/acme/model/deployments/42/statuses');
      expect(statuses).toHaveLength(1);
      expect(statuses[0].body).toMatchObject({ state: 'failure', environment: 'production', log_url: 'https://github.example/acme/model/actions/runs/77' });
      expect(statuses[0].headers.authorization).toBe('token ghs_faketoken123');
      expect(r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain('secretpart');

      const again = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary', 'notify-webhook': hook.url }, { env });
      expect(again.failed).toBe(false);
      expect(again.outputs['rolled-back']).toBe('false');
      expect(again.stdout).toMatch(/nothing to roll back/);
      expect(hook.received).toHaveLength(1); // no second notice
    } finally {
      await hook.close();
      await github.stop();
    }
  });

  it('mode revision: rolls the Deployment back to the previous ReplicaSet revision and waits; a second run does not flip back', async () => {
    const namespace = await ns('rev');
    await createStable(cluster(), namespace, 'model', { replicas: 2, image: 'r.example/model:1', modelVersion: '1.0.0' });
    await cluster().strategicPatch(deploymentRef(namespace, 'model'), {
      spec: { template: { spec: { containers: [{ name: 'model', image: 'r.example/model:2', env: [{ name: 'MODEL_VERSION', value: '2.0.0' }] }] } } },
    });
    await waitForRollout(cluster(), namespace, 'model', 60_000);

    const r = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'auto', reason: 'p99 latency' });
    expect(r.errors).toEqual([]);
    expect(r.stdout).toMatch(/mode auto: no canary in progress, rolling back to the previous revision/);
    expect(r.outputs).toEqual({ 'rolled-back': 'true', 'from-image': 'r.example/model:2', 'to-image': 'r.example/model:1' });
    const d = (await get(namespace, 'model'))!;
    expect(d.spec!.template.spec!.containers[0]).toMatchObject({ image: 'r.example/model:1', env: [{ name: 'MODEL_VERSION', value: '1.0.0' }] });
    expect(d.status?.updatedReplicas).toBe(2);
    expect(d.status?.availableReplicas).toBe(2);

    const again = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'revision' });
    expect(again.outputs['rolled-back']).toBe('false');
    expect(again.stdout).toMatch(/already rolled back from r.example\/model:2 to r.example\/model:1/);
    expect((await get(namespace, 'model'))!.spec!.template.spec!.containers[0].image).toBe('r.example/model:1');
  });

  it('bad inputs fail before anything changes', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ mode: 'undo' }, /Invalid `mode`: 'undo'. Expected one of `canary`, `revision`, `auto`/],
      [{ watch: '10m' }, /`watch` needs `metrics`/],
      [{ watch: 'soon', metrics: '- name: x' }, /Invalid `watch`: 'soon'/],
      [{ 'notify-webhook': 'ftp://hooks.example/x' }, /Invalid `notify-webhook`: scheme 'ftp:'/],
      [{ deployment: 'Bad_Name' }, /Invalid `deployment`: 'Bad_Name'/],
    ];
    for (const [inputs, message] of cases) {
      const r = await runInProcess(autoRollback, { ...kube(), deployment: 'model', ...inputs });
      expect(r.failed).toBe(true);
      expect(r.errors[0]).toMatch(message);
    }
  });
});
