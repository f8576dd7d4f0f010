import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { deploymentRef } from '../k8s/objects.js';
import { routerFor, type TrafficRouter } from '../traffic/index.js';
import { decodeCanaryState, encodeCanaryState, type CanaryState } from './state.js';

export type Log = (message: string) => void;

/** A canary in progress as recorded on the cluster, with the router it was set up with. */
export interface LoadedCanary {
  namespace: string;
  deployment: string;
  state: CanaryState;
  router: TrafficRouter;
}

/** The router for a recorded canary. */
export function recordedRouter(cluster: Cluster, namespace: string, deployment: string, state: CanaryState): TrafficRouter {
  return routerFor({ cluster, namespace, deployment, canary: state.canary, baseline: state.baseline }, state.router);
}

/**
 * The canary recorded on the stable Deployment `namespace/deployment`, or undefined when none is in
 * progress. For monitor-canary: `setCanaryWeight` moves traffic through the recorded router, and
 * `rollbackCanary` (./rollback.ts) restores stable exactly as auto-rollback does.
 */
export async function loadCanary(cluster: Cluster, namespace: string, deployment: string): Promise<LoadedCanary | undefined> {
  const stable = await cluster.get<V1Deployment>(deploymentRef(namespace, deployment));
  const state = decodeCanaryState(stable.metadata?.annotations);
  if (!state) return undefined;
  return { namespace, deployment, state, router: recordedRouter(cluster, namespace, deployment, state) };
}

/** Writes the canary state on the stable Deployment and on the canary (annotations only: no rollout). */
export async function recordCanaryState(cluster: Cluster, namespace: string, deployment: string, state: CanaryState): Promise<void> {
  const annotations = encodeCanaryState(state);
  await cluster.mergePatch(deploymentRef(namespace, deployment), { metadata: { annotations } });
  if (await cluster.find(deploymentRef(namespace, state.canary))) {
    await cluster.mergePatch(deploymentRef(namespace, state.canary), { metadata: { annotations } });
  }
}

/** Moves traffic to `weight` percent on the canary through its recorded router, and records it. */
export async function setCanaryWeight(cluster: Cluster, canary: LoadedCanary, weight: number): Promise<CanaryState> {
  await canary.router.setWeight(weight);
  const state = { ...canary.state, weight: await canary.router.current() };
  await recordCanaryState(cluster, canary.namespace, canary.deployment, state);
  return state;
}
