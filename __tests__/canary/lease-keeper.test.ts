import { describe, expect, it } from '@jest/globals';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { LeaseKeeper } from '../../shared/canary/lease-cluster.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { leaseOf, runEnv, sleep } from '../actions/canary-lease-support.js';

// The lease keeper on the sandbox's real API server, its renewal writes held by a fault proxy to order the race.
const { cluster, ns } = useSandboxNamespaces();

describe('the lease keeper', () => {
  it('stop() waits for a renewal under way, and nothing is written after it returns', async () => {
    const namespace = await ns('lease-stop');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    await createModelRoute(cluster(), namespace);
    const deployed = await runInProcess(canaryDeploy, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model', lease: '1m' }, { env: runEnv('100') });
    expect(deployed.errors).toEqual([]);
    const { holder, renewedAt } = (await leaseOf(cluster(), namespace))!;
    const proxy = await FaultProxy.start(sandboxKubeconfig());
    try {
      const viaProxy = await connectCluster(proxy.kubeconfigYaml());
      const keeper = new LeaseKeeper(viaProxy, namespace, 'model', holder, () => {});
      const isRenewal = (r: { method: string; path: string }) => r.method === 'PATCH' && r.path.endsWith(`/namespaces/${namespace}/deployments/model`);
      const hold = proxy.hold(isRenewal);
      keeper.start(100);
      await hold.held; // the timer's renewal is on its way to the API server
      let stopped = false;
      const stopping = keeper.stop().then(() => (stopped = true));
      await sleep(300); // three periods: no further beat starts, and stop() does not return under the write
      expect(stopped).toBe(false);
      expect(proxy.seen.filter(isRenewal)).toHaveLength(1); // only the held renewal: no second beat began beside it
      hold.release();
      await stopping;
      const renewed = (await leaseOf(cluster(), namespace))!;
      expect(Date.parse(renewed.renewedAt)).toBeGreaterThan(Date.parse(renewedAt)); // the held renewal landed before stop() returned
      // The held write, plus its re-planned retry when the Deployment changed while it was held (a 409: the
      // deployment controller writes status under load); either way all of it before stop() returned.
      const writes = proxy.seen.filter(isRenewal).length;
      await sleep(500);
      expect(proxy.seen.filter(isRenewal)).toHaveLength(writes);
      expect((await leaseOf(cluster(), namespace))!.renewedAt).toBe(renewed.renewedAt);
    } finally {
      await proxy.stop();
    }
  });
});
