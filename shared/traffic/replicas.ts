import type { V1Deployment } from '@kubernetes/client-node';
import { ClaimMismatch, claimOnObject, claimsWith, TRAFFIC_CLAIMS } from '../canary/claim.js';
import { isNotFound } from '../k8s/errors.js';
import { deploymentRef } from '../k8s/objects.js';
import { servingReplicas } from '../k8s/serving.js';
import { replicasHold, type TrafficHold } from './hold.js';
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

  /** The canary Deployment itself is the routing: canary-deploy creates it with the claim (trackDeployment). */
  async prepare(): Promise<void> {}

  async setWeight(canaryWeight: number): Promise<void> {
    const stable = await this.ctx.cluster.get<Deployment>(deploymentRef(this.ctx.namespace, this.ctx.deployment));
    const replicas = replicasForWeight(servingReplicas(stable), canaryWeight, this.ctx.baseline !== undefined);
    await this.scaleClaimed(this.ctx.canary, replicas);
    if (this.ctx.baseline) await this.scaleClaimed(this.ctx.baseline, replicas);
  }

  /** The pod count is the weight. */
  trackReplicas(stableReplicas: number, canaryWeight: number, withBaseline: boolean): number {
    return replicasForWeight(stableReplicas, canaryWeight, withBaseline);
  }

  /** Canary pods share the stable Service's selector: held, they stay out of it until the gate passes. */
  holdTraffic(stable: Deployment): Promise<TrafficHold> {
    return replicasHold(this.ctx.cluster, this.ctx.namespace, stable);
  }

  /** The canary (and baseline) Deployments already have the replicas `canaryWeight` needs (canary-deploy sizes them as it creates them). */
  async carries(canaryWeight: number): Promise<boolean> {
    const stable = await this.ctx.cluster.get<Deployment>(deploymentRef(this.ctx.namespace, this.ctx.deployment));
    const wanted = replicasForWeight(servingReplicas(stable), canaryWeight, this.ctx.baseline !== undefined);
    const count = async (name: string) => (await this.ctx.cluster.find<Deployment>(deploymentRef(this.ctx.namespace, name)))?.spec?.replicas;
    const tracks = [this.ctx.canary, ...(this.ctx.baseline ? [this.ctx.baseline] : [])];
    return (await Promise.all(tracks.map(count))).every((n) => n === wanted);
  }

  /** The canary's share: its (and baseline's) replicas as set, beside the stable replicas serving now. */
  async current(): Promise<number> {
    const find = (name: string) => this.ctx.cluster.find<Deployment>(deploymentRef(this.ctx.namespace, name));
    const count = async (name: string | undefined) => (name ? ((await find(name))?.spec?.replicas ?? 0) : 0);
    const serving = async () => {
      const stable = await find(this.ctx.deployment);
      return stable ? servingReplicas(stable) : 0;
    };
    const [stable, canary, baseline] = await Promise.all([serving(), count(this.ctx.canary), count(this.ctx.baseline)]);
    return weightOfReplicas(stable, canary, baseline);
  }

  async reset(): Promise<void> {
    await Promise.all([this.release(this.ctx.canary), this.ctx.baseline ? this.release(this.ctx.baseline) : undefined]);
  }

  /**
   * The canary Deployment itself is the routing (the lifecycle deletes it); what is left is the Service a
   * canary held from traffic was reachable through (see `holdTraffic`), when a gate failed or was cut short.
   */
  async cleanup(): Promise<void> {
    await removeTrackService(this.ctx.cluster, this.ctx.namespace, this.ctx.deployment, this.ctx.canary);
  }

  /** Scales a track Deployment that exists and carries this canary's claim (check-and-set on its resourceVersion). */
  private async scaleClaimed(name: string, replicas: number): Promise<void> {
    const ref = deploymentRef(this.ctx.namespace, name);
    try {
      await this.ctx.cluster.checkAndSet<Deployment>(ref, (d) => {
        if (d.metadata?.deletionTimestamp || claimOnObject(d, this.ctx.deployment) !== this.ctx.claim) throw new ClaimMismatch(`Deployment ${name} does not carry this canary's claim`);
        return d.spec?.replicas === replicas ? undefined : { spec: { replicas } };
      });
    } catch (error) {
      if (isNotFound(error)) throw new ClaimMismatch(`Deployment ${name} is gone`);
      throw error;
    }
  }

  /** No traffic for a track (0 replicas) and its claim removed, in one write. */
  private async release(name: string): Promise<void> {
    const ref = deploymentRef(this.ctx.namespace, name);
    const d = await this.ctx.cluster.find<Deployment>(ref);
    if (d && (d.spec?.replicas !== 0 || claimOnObject(d, this.ctx.deployment) !== undefined)) {
      await this.ctx.cluster
        .mergePatch(ref, { spec: { replicas: 0 }, metadata: { annotations: { [TRAFFIC_CLAIMS]: claimsWith(d, this.ctx.deployment, undefined) } } })
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error; // deleted meanwhile: no traffic either
        });
    }
  }
}
