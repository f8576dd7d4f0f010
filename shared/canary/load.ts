import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { deploymentRef } from '../k8s/objects.js';
import { getDeployment } from '../k8s/deployment.js';
import { isNotFound } from '../k8s/errors.js';
import { routerFor, type TrafficRouter } from '../traffic/index.js';
import { CanaryLost, canaryLost, changedBy, claimOf, ClaimMismatch, requireCanaryCurrent } from './claim.js';
import type { ProgressStep } from './progress.js';
import { resizeTracks } from './track-size.js';
import { decodeCanaryState, encodeCanaryState, type CanaryState } from './state.js';

export type Log = (message: string) => void;

/** A canary in progress as recorded on the cluster, with the router it was set up with. */
export interface LoadedCanary {
  namespace: string;
  deployment: string;
  state: CanaryState;
  router: TrafficRouter;
}

/** The router for a recorded canary; its traffic writes require this canary's claim. */
export function recordedRouter(cluster: Cluster, namespace: string, deployment: string, state: CanaryState): TrafficRouter {
  return routerFor({ cluster, namespace, deployment, canary: state.canary, baseline: state.baseline, claim: claimOf(state) }, state.router);
}

/**
 * The canary recorded on the stable Deployment `namespace/deployment`, or undefined when none is in
 * progress (a missing Deployment is a ConfigurationError naming it). For monitor-canary: `setCanaryWeight`
 * moves traffic through the recorded router, and `rollbackCanary` (./rollback.ts) restores stable exactly
 * as auto-rollback does.
 */
export async function loadCanary(cluster: Cluster, namespace: string, deployment: string): Promise<LoadedCanary | undefined> {
  const stable = await getDeployment(cluster, namespace, deployment);
  const state = decodeCanaryState(stable.metadata?.annotations);
  if (!state) return undefined;
  return { namespace, deployment, state, router: recordedRouter(cluster, namespace, deployment, state) };
}

/**
 * Writes the canary state on the stable Deployment, as a check-and-set that requires the canary it was
 * planned from (`planned`: same claim, no rollback or promotion under way, its Deployment there), then
 * copies it on the canary (annotations only: no rollout). Throws `CanaryLost` naming who changed it.
 */
export async function recordCanaryState(cluster: Cluster, namespace: string, deployment: string, state: CanaryState, planned: CanaryState = state, self?: ProgressStep): Promise<void> {
  const annotations = encodeCanaryState(state);
  const canaryDeployment = await cluster.find<V1Deployment>(deploymentRef(namespace, state.canary));
  try {
    await cluster.checkAndSet<V1Deployment>(deploymentRef(namespace, deployment), (stable) => {
      if (changedBy(stable, canaryDeployment, planned, self)) throw new ClaimMismatch('the recorded canary changed');
      return { metadata: { annotations } };
    });
  } catch (error) {
    if (error instanceof ClaimMismatch) throw await canaryLost(cluster, namespace, deployment, planned, self);
    throw error;
  }
  if (canaryDeployment) {
    await cluster.mergePatch(deploymentRef(namespace, state.canary), { metadata: { annotations } }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

/**
 * Moves traffic to `weight` percent on the canary through its recorded router, and records it. Every part
 * is conditional on the canary as loaded: it is still recorded, still the same and its Deployment exists;
 * the routing object still carries its claim. Otherwise throws `CanaryLost` having changed nothing more.
 */
export async function setCanaryWeight(cluster: Cluster, canary: LoadedCanary, weight: number, self?: ProgressStep): Promise<CanaryState> {
  const { namespace, deployment } = canary;
  await requireCanaryCurrent(cluster, namespace, deployment, canary.state, self);
  try {
    // Mesh routers: the canary's pods follow its weight, grown (and ready) before it gets more traffic, shrunk after less.
    await resizeTracks(cluster, namespace, deployment, canary.state, weight, 'grow');
    await canary.router.setWeight(weight);
  } catch (error) {
    if (error instanceof ClaimMismatch) throw await canaryLost(cluster, namespace, deployment, canary.state, self);
    throw error;
  }
  const state = { ...canary.state, weight: await canary.router.current() };
  try {
    await recordCanaryState(cluster, namespace, deployment, state, canary.state, self);
  } catch (error) {
    // The canary Deployment vanished between the check and the route write (deleted outside any step):
    // take its traffic away again rather than leave users on a canary that is gone.
    if (error instanceof CanaryLost && !(await cluster.find(deploymentRef(namespace, canary.state.canary)))) await canary.router.reset().catch(() => undefined);
    throw error;
  }
  await resizeTracks(cluster, namespace, deployment, canary.state, weight, 'shrink').catch(async (error: unknown) => {
    throw error instanceof ClaimMismatch ? await canaryLost(cluster, namespace, deployment, canary.state, self) : error;
  });
  return state;
}
