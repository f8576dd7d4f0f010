import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { readKeyValueFile, runnerFiles } from '../support/runner-files.js';
import { run as deploy } from '../../actions/canary-deploy/main.js';
import { run as post } from '../../actions/canary-deploy/post.js';
import { rollbackCanary } from '../../shared/canary/rollback.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createStable, dropNamespace, freshNamespace, livePods, sandboxCluster, sandboxKubeconfig } from '../k8s/support/sandbox-cluster.js';

let cluster: Cluster;
let namespace: string;
beforeAll(async () => {
  cluster = await sandboxCluster();
  namespace = await freshNamespace(cluster, 'post');
});
afterAll(async () => {
  await dropNamespace(cluster, namespace);
});

const support = new URL('../k8s/support/', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('canary-deploy post step', () => {
  it('after the main step is killed with SIGTERM mid-rollout, restores 100% stable and removes the canary', async () => {
    await createStable(cluster, namespace, 'model', { replicas: 1, neverReady: true }); // the canary never becomes Ready: main waits
    const inputs = { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', timeout: '5m' };
    const files = runnerFiles(inputs);
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './register-ts.mjs', 'run-ts-step.mjs', 'canary-deploy', 'main'], {
      cwd: support,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...files.env },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code, signal) => r(code ?? (signal ? -1 : null))));
    // Wait until the canary exists (main is then waiting for its rollout), then kill main as a cancel would.
    for (let i = 0; i < 100 && !(await cluster.find(deploymentRef(namespace, 'model-canary'))); i++) await sleep(200);
    expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeDefined();
    child.kill('SIGTERM');
    expect(await exited).not.toBe(0);

    const state = readKeyValueFile(files.env.GITHUB_STATE);
    expect(JSON.parse(state.canary)).toMatchObject({ namespace, deployment: 'model', finished: false });
    expect(state.canary).not.toContain('BEGIN'); // no kubeconfig in state

    const r = await runInProcess(post, inputs, { state });
    expect(r.errors).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/canary-deploy did not finish: restoring stable/);
    expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
    expect(await livePods(cluster, namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
    const stable = await cluster.get<V1Deployment>(deploymentRef(namespace, 'model'));
    expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
  });

  it('leaves a finished canary in place, and does nothing when main never claimed one', async () => {
    await createStable(cluster, namespace, 'kept', { replicas: 1 });
    const inputs = { kubeconfig: sandboxKubeconfig(), deployment: 'kept', namespace, image: 'r.example/kept:2' };
    const main = await runInProcess(deploy, inputs);
    expect(main.errors).toEqual([]);
    const finished = await runInProcess(post, inputs, { state: main.state });
    expect(finished.stdout).toMatch(/finished setting up; left in place for the next step/);
    expect(await cluster.find(deploymentRef(namespace, 'kept-canary'))).toBeDefined();
    const none = await runInProcess(post, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace });
    expect(none.stdout).toMatch(/did not change the cluster in this run/);
  });

  it('after a later step ended the finished canary, says so instead of claiming it was left in place', async () => {
    await createStable(cluster, namespace, 'ended', { replicas: 1 });
    const inputs = { kubeconfig: sandboxKubeconfig(), deployment: 'ended', namespace, image: 'r.example/ended:2' };
    const main = await runInProcess(deploy, inputs);
    expect(main.errors).toEqual([]);
    await rollbackCanary(cluster, namespace, 'ended', () => {}); // what auto-rollback (or promote) does later in the job
    const r = await runInProcess(post, inputs, { state: main.state });
    expect(r.errors).toEqual([]);
    expect(r.stdout).toMatch(/finished setting up and has ended since \(promoted or rolled back\): nothing to clean up/);
    expect(r.stdout).not.toMatch(/left in place/);
  });
});
