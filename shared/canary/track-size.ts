import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { isNotFound } from '../k8s/errors.js';
import { deploymentRef } from '../k8s/objects.js';
import { waitForRollout } from '../k8s/rollout.js';
import { servingReplicas } from '../k8s/serving.js';
import { podsForShare } from '../traffic/router.js';
import { ClaimMismatch, claimOf, claimOnObject } from './claim.js';
import type { CanaryState } from './state.js';

/** How long a grown canary may take to be ready before it gets more traffic. */
const GROW_TIMEOUT_MS = 5 * 60_000;

/**
 * Mesh routers weigh traffic on the route, so the canary's pods must follow the weight: ceil(stable x weight)
 * pods (at least one), from the replicas stable serves with now (`servingReplicas`: its running pods, at most its spec). `grow`
 * (before more traffic) only adds pods and waits for them to be ready; `shrink` (after less traffic) only
 * removes. Each write requires the canary's claim on the track (check-and-set). The `replicas` router sizes
 * its tracks itself, and a blue-green twin stays full size: both are left alone.
 */
export async function resizeTracks(cluster: Cluster, namespace: string, deployment: string, state: CanaryState, weight: number, mode: 'grow' | 'shrink'): Promise<void> {
  if (state.router.kind === 'replicas' || state.strategy === 'blue-green') return;
  const stable = await cluster.get<V1Deployment>(deploymentRef(namespace, deployment));
  const wanted = podsForShare(servingReplicas(stable), weight);
  for (const name of [state.canary, state.baseline].filter((n): n is string => Boolean(n))) {
    let changed = false;
    try {
      await cluster.checkAndSet<V1Deployment>(deploymentRef(namespace, name), (d) => {
        if (d.metadata?.deletionTimestamp || claimOnObject(d, deployment) !== claimOf(state)) throw new ClaimMismatch(`Deployment ${name} does not carry this canary's claim`);
        const now = d.spec?.replicas ?? 1;
        changed = mode === 'grow' ? wanted > now : wanted < now;
        return changed ? { spec: { replicas: wanted } } : undefined;
      });
    } catch (error) {
      if (isNotFound(error)) throw new ClaimMismatch(`Deployment ${name} is gone`);
      throw error;
    }
    if (changed && mode === 'grow') await waitForRollout(cluster, namespace, name, GROW_TIMEOUT_MS);
  }
}
