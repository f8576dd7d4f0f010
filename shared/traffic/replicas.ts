import type { V1Deployment } from '@kubernetes/client-node';
import { deploymentRef } from '../k8s/objects.js';
import { splitWeights, type RouterContext, type TrafficRouter } from './router.js';
import { removeTrackService } from './services.js';

type Deployment = V1Deployment;

/**
 * Canary replicas for a share of ready pods: canary pods share the stable Service's selector, so with
 * N stable pods, c canary (and c baseline) pods get c / (N + c [+ c]) of the traffic. At least one
 * canary pod for any weight above 0.
 */
export function replicasForWeight(stableReplicas: number, canaryWeight: number, withBaseline: boolean): number {
  // Relative: only the ratio matters here, so a fraction of a percent is kept until the pod count is chosen.
  const { stable, canary } = splitWeights(canaryWeight, withBaseline, true);
  if (canary === 0) return 0;
  if (stable === 0) {
    throw new Error('The `replicas` router cannot send all traffic to the canary: canary pods share the stable Service. Promote instead.');
  }
  return Math.max(1, Math.round((stableReplicas * canary) / stable));
}

/** The canary's share of pods, in percent, for the given replica counts. */
export function weightOfReplicas(stableReplicas: number, canaryReplicas: number, baselineReplicas: number): number {
  const total = stableReplicas + canaryReplicas + baselineReplicas;
  return total === 0 ? 0 : Math.round((100 * canaryReplicas) / total);
}

/** No mesh: the weight is the canary's (and baseline's) replica count beside the stable pods. */
export class ReplicasRouter implements TrafficRouter {
  readonly kind = 'replicas';
  constructor(private readonly ctx: RouterContext) {}

  async setWeight(canaryWeight: number): Promise<void> {
    const stable = await this.ctx.cluster.get<Deployment>(deploymentRef(this.ctx.namespace, this.ctx.deployment));
    const replicas = replicasForWeight(stable.spec?.replicas ?? 1, canaryWeight, this.ctx.baseline !== undefined);
    await this.scale(this.ctx.canary, replicas);
    if (this.ctx.baseline) await this.scale(this.ctx.baseline, replicas);
  }

  async current(): Promise<number> {
    const count = async (name: string | undefined) =>
      name ? ((await this.ctx.cluster.find<Deployment>(deploymentRef(this.ctx.namespace, name)))?.spec?.replicas ?? 0) : 0;
    const [stable, canary, baseline] = await Promise.all([count(this.ctx.deployment), count(this.ctx.canary), count(this.ctx.baseline)]);
    return weightOfReplicas(stable, canary, baseline);
  }

  async reset(): Promise<void> {
    await Promise.all([this.scale(this.ctx.canary, 0), this.ctx.baseline ? this.scale(this.ctx.baseline, 0) : undefined]);
  }

  /**
   * The canary Deployment itself is the routing (the lifecycle deletes it); what is left is the Service a
   * canary held from traffic was reachable through (see `holdTraffic`), when a gate failed or was cut short.
   */
  async cleanup(): Promise<void> {
    await removeTrackService(this.ctx.cluster, this.ctx.namespace, this.ctx.deployment, this.ctx.canary);
  }

  private async scale(name: string, replicas: number): Promise<void> {
    const ref = deploymentRef(this.ctx.namespace, name);
    const d = await this.ctx.cluster.find<Deployment>(ref);
    if (d && d.spec?.replicas !== replicas) await this.ctx.cluster.mergePatch(ref, { spec: { replicas } });
  }
}
