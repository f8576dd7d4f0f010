import type { Cluster } from '../k8s/cluster.js';

/**
 * Moves traffic between the stable pods and the canary (and baseline). One interface for every
 * router kind; canary-deploy, monitor-canary, promote and auto-rollback only talk to this.
 */
export interface TrafficRouter {
  readonly kind: string;
  /**
   * canary-deploy only: creates the canary's routing (its Services, route entries, canary Ingress) at 0%
   * and stamps it with this canary's claim (see shared/canary/claim.ts).
   */
  prepare(): Promise<void>;
  /**
   * Sends `canaryWeight` percent to the canary (and as much to the baseline when there is one), the rest
   * to stable: a check-and-set on the routing object that requires this canary's claim and creates
   * nothing. Throws `ClaimMismatch` when the routing no longer carries the claim (or is gone).
   */
  setWeight(canaryWeight: number): Promise<void>;
  /** The canary's share of traffic now, in percent, as the routing objects say. */
  current(): Promise<number>;
  /** All traffic to stable (the routing objects stay, at 0% canary), and the claim removed in the same write. */
  reset(): Promise<void>;
  /** Removes what the router added (canary Services, backend entries, canary Ingress); stable keeps all traffic. */
  cleanup(): Promise<void>;
}

/** What a router works on: the stable Deployment and the suite's objects beside it. */
export interface RouterContext {
  cluster: Cluster;
  namespace: string;
  /** The stable Deployment. */
  deployment: string;
  /** The canary Deployment, and the canary Service of the routers that need one (same name). */
  canary: string;
  baseline?: string;
  /** The canary's claim (`claimOf(state)`): what the routing must carry for a traffic write to go ahead. */
  claim: string;
}

export interface WeightSplit {
  stable: number;
  canary: number;
  baseline: number;
}

/**
 * Integer weights that always sum to 100: the canary gets `canaryWeight`, a baseline as much (a fair
 * comparison needs equal traffic), stable the rest.
 */
export function splitWeights(canaryWeight: number, withBaseline: boolean): WeightSplit {
  if (!Number.isFinite(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
    throw new Error(`Canary weight ${canaryWeight} is not a percentage from 0 to 100.`);
  }
  const canary = Math.round(canaryWeight);
  const baseline = withBaseline ? canary : 0;
  const stable = 100 - canary - baseline;
  if (stable < 0) {
    throw new Error(`A canary weight of ${canary}% with a baseline at the same weight leaves no traffic for stable; use at most 50%.`);
  }
  return { stable, canary, baseline };
}
