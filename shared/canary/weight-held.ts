import type { Cluster } from '../k8s/cluster.js';
import { requireCanaryCurrent } from './claim.js';
import type { LoadedCanary } from './load.js';

/**
 * The canary's traffic was changed under the analysis by something other than ai-deploy: most often a
 * GitOps controller's self-heal putting the route back as git has it (see docs/gitops.md).
 */
export class WeightReverted extends Error {
  override name = 'WeightReverted';
}

/** Where the router's weight lives, for the message. */
function routingObject(canary: LoadedCanary): string {
  const { router } = canary.state;
  return router.kind === 'replicas' ? `Deployment ${canary.namespace}/${canary.state.canary}` : `the ${router.kind} route ${canary.namespace}/${router.route}`;
}

/**
 * Throws `WeightReverted` unless the canary still gets the `weight` percent the analysis set. Mesh routers
 * must show exactly that weight on the route. With `replicas` the share moves whenever an autoscaler
 * resizes stable, so only a canary left without pods (scaled to 0, deleted) counts as reverted. A canary
 * another step rolled back, promoted or took over meanwhile is a `CanaryLost` naming who, as everywhere.
 */
export async function requireWeightHeld(cluster: Cluster, canary: LoadedCanary, weight: number): Promise<void> {
  const now = await canary.router.current();
  const held = canary.state.router.kind === 'replicas' ? weight === 0 || now > 0 : Math.abs(now - weight) < 1e-4;
  if (held) return;
  // Rolled back, promoted or taken over by another step meanwhile: that is a CanaryLost naming who, not a revert.
  await requireCanaryCurrent(cluster, canary.namespace, canary.deployment, canary.state);
  throw new WeightReverted(
    `The canary ${canary.namespace}/${canary.state.canary} was set to ${weight}% of traffic but ${routingObject(canary)} now gives it ${now}%: ` +
      'something outside ai-deploy changed it during the analysis (a GitOps self-heal by Argo CD or Flux reverts route weights to what git has; ' +
      'docs/gitops.md shows how to stop that). The analysis stopped without judging a canary that no longer gets its traffic.',
  );
}
