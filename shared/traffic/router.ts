import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import type { TrafficHold } from './hold.js';

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
  /** Pods a canary (or baseline) track needs to carry `canaryWeight` percent beside `stableReplicas` stable pods. */
  trackReplicas(stableReplicas: number, canaryWeight: number, withBaseline: boolean): number;
  /**
   * How the canary's pods are kept from traffic until a gate passes, or undefined when the routing itself
   * already holds it (created at 0%, so nothing more is needed).
   */
  holdTraffic(stable: V1Deployment): Promise<TrafficHold | undefined>;
  /** Whether the routing already gives the canary `canaryWeight` percent (so a re-run writes nothing). */
  carries(canaryWeight: number): Promise<boolean>;
}

/**
 * Pods for a track whose share of traffic the routing sets (not the pod count): enough for its share of
 * the stable load, at least one.
 */
export function podsForShare(stableReplicas: number, canaryWeight: number): number {
  return Math.max(1, Math.ceil((stableReplicas * canaryWeight) / 100));
}

/**
 * What every router that weighs traffic on a routing object (HTTPRoute, VirtualService, TrafficSplit, Ingress)
 * does for its tracks: pods for their share (`podsForShare`), and no hold, since the routing is created at 0%
 * and holds the canary from traffic by itself.
 */
export const routedTracks = {
  trackReplicas: (stableReplicas: number, canaryWeight: number): number => podsForShare(stableReplicas, canaryWeight),
  holdTraffic: async (): Promise<undefined> => undefined,
} satisfies Pick<TrafficRouter, 'trackReplicas' | 'holdTraffic'>;

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

/** Routers whose weights are relative integers, so any proportion is exact (10.5% is 21:179). */
export const RELATIVE_WEIGHT_ROUTERS: readonly string[] = ['gateway-api', 'smi', 'replicas'];
/** Finest fraction of a percent a weight may have: 4 decimals keep a split under Gateway API's 1,000,000 per backend. */
const MAX_DECIMALS = 4;

function decimalsOf(weight: number): number | undefined {
  for (let k = 0; k <= MAX_DECIMALS; k++) {
    const scaled = weight * 10 ** k;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9) return k;
  }
  return undefined;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Why `weight` cannot be set exactly on a `kind` router, or undefined when it can: whole percents work everywhere,
 * fractions only where weights are relative integers (istio and nginx take whole percents). Checked at the edge,
 * before anything moves, so a weight is never rounded in silence.
 */
export function inexactWeight(weight: number, kind: string): string | undefined {
  if (Number.isInteger(weight)) return undefined;
  if (decimalsOf(weight) === undefined) return `at most ${MAX_DECIMALS} decimals`;
  if (!RELATIVE_WEIGHT_ROUTERS.includes(kind)) {
    return `a whole percentage with \`traffic-router: ${kind}\` (its weights are whole percents; \`gateway-api\` and \`smi\` take fractions exactly)`;
  }
  return undefined;
}

/**
 * Weights for the canary (`canaryWeight` percent), a baseline at as much (a fair comparison needs equal traffic)
 * and stable the rest. Whole percents give integer weights that sum to 100. A fraction is kept exactly when
 * `relative` (the router's weights are relative integers): 10.5% becomes canary 21, stable 179 (the smallest
 * integers in that ratio); anywhere else it is refused, never rounded.
 */
export function splitWeights(canaryWeight: number, withBaseline: boolean, relative = false): WeightSplit {
  if (!Number.isFinite(canaryWeight) || canaryWeight < 0 || canaryWeight > 100) {
    throw new Error(`Canary weight ${canaryWeight} is not a percentage from 0 to 100.`);
  }
  const decimals = decimalsOf(canaryWeight);
  if (decimals === undefined || (decimals > 0 && !relative)) {
    throw new Error(`A canary weight of ${canaryWeight}% cannot be set exactly on this router: expected ${decimals === undefined ? `at most ${MAX_DECIMALS} decimals` : 'a whole percentage'}.`);
  }
  const scale = 10 ** decimals;
  const canary = Math.round(canaryWeight * scale);
  const baseline = withBaseline ? canary : 0;
  const stable = 100 * scale - canary - baseline;
  if (stable < 0) {
    throw new Error(`A canary weight of ${canaryWeight}% with a baseline at the same weight leaves no traffic for stable; use at most 50%.`);
  }
  const divisor = decimals === 0 ? 1 : gcd(gcd(canary, baseline), stable) || 1;
  return { stable: stable / divisor, canary: canary / divisor, baseline: baseline / divisor };
}
