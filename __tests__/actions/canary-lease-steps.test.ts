import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as canaryDeployPost } from '../../actions/canary-deploy/post.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { LEASE_KEY } from '../../shared/canary/lease.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { createStable, deploymentSnapshot, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { errorRateMetric } from './monitor-canary-support.js';
import { leaseOf, runEnv, runUrl, sleep } from './canary-lease-support.js';

// Which steps renew or release a canary's lease, on the sandbox's real API server.
const { cluster, ns } = useSandboxNamespaces();
const target = (namespace: string) => ({ kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace });

async function canaryOfRun100(prefix: string) {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 1 });
  const r = await runInProcess(canaryDeploy, { ...target(namespace), image: 'r.example/model:2', lease: '1m' }, { env: runEnv('100') });
  expect(r.errors).toEqual([]);
  return { namespace, state: r.state };
}

describe('lease renewals and releases', () => {
  it("canary-deploy's post step renews its own finished canary's lease for the next step", async () => {
    const { namespace, state } = await canaryOfRun100('lease-post');
    const before = (await leaseOf(cluster(), namespace))!;
    await sleep(20);
    const r = await runInProcess(canaryDeployPost, target(namespace), { state, env: runEnv('100') });
    expect(r.errors).toEqual([]);
    expect(r.stdout).toMatch(/Its lease runs until \d{4}-.*: the next step must renew it by then/);
    const after = (await leaseOf(cluster(), namespace))!;
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.parse(before.expiresAt));
    expect(after.holder).toEqual(before.holder); // same run, same nonce
  });

  it("a step of another run never renews someone else's lease: post step and monitor-canary leave it as it is", async () => {
    const { namespace, state } = await canaryOfRun100('lease-other');
    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const saved = JSON.parse(state.canary);
    const otherPost = await runInProcess(canaryDeployPost, target(namespace), { state: { canary: JSON.stringify({ ...saved, nonce: 'another-job' }) }, env: runEnv('200') });
    expect(otherPost.errors).toEqual([]);
    expect(otherPost.stdout).toContain(`was taken over by another run (${runUrl('100')}); this run no longer owns it. Nothing to renew.`);

    const monitor = await runInProcess(monitorCanary, { ...target(namespace), 'prometheus-url': await prometheusUrl(), metrics: errorRateMetric('none', 'max: 0.05') }, { env: runEnv('200') });
    expect(monitor.failed).toBe(true);
    expect(monitor.errors[0]).toMatch(new RegExp(`^The canary on ${namespace}/model is not this run's: its lease is held by ${runUrl('100').replace(/[./]/g, '\\$&')} until \\d{4}-[^ ]*\\. monitor-canary changed nothing\\.$`));
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before);
  });

  it("promote holds the lease while it promotes (another run's taken over, said so) and releases it with the canary", async () => {
    const { namespace } = await canaryOfRun100('lease-promote');
    const r = await runInProcess(promote, { ...target(namespace), timeout: '1m' }, { env: runEnv('200') });
    expect(r.errors).toEqual([]);
    expect(r.stdout).toContain(`Promote takes over the canary's lease (its lease is held by ${runUrl('100')} until `);
    const stable = await cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));
    expect(stable.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
    expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
    expect(stable.metadata!.annotations![LEASE_KEY]).toBeUndefined();
  }, 60_000);
});
