import { expect } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { run as canaryDeploy } from '../../../actions/canary-deploy/main.js';
import type { Cluster } from '../../../shared/k8s/cluster.js';
import { deploymentRef } from '../../../shared/k8s/objects.js';
import { runInProcess } from '../../support/run-step.js';
import { createStable, sandboxKubeconfig } from './sandbox-cluster.js';

/**
 * canary-deploy of `r.example/model:2` beside a fresh one-replica stable `model` in `namespace`, with `extra` inputs:
 * it must fail with exactly one error matching `message`, leave stable unwritten and create no canary.
 */
export async function expectRefusedBeforeAnyChange(cluster: Cluster, namespace: string, extra: Record<string, string>, message: RegExp): Promise<void> {
  await createStable(cluster, namespace, 'model', { replicas: 1 });
  const before = (await cluster.get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.resourceVersion;
  const r = await runInProcess(canaryDeploy, { kubeconfig: sandboxKubeconfig(), deployment: 'model', namespace, image: 'r.example/model:2', ...extra });
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(message);
  expect((await cluster.get<V1Deployment>(deploymentRef(namespace, 'model'))).metadata!.resourceVersion).toBe(before);
  expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
}
