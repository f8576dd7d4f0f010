import type { MatchCondition } from './match.js';
import type { SessionAffinity } from './affinity.js';

/** The traffic routers canary-deploy can drive (`traffic-router` input). */
export type RouterKind = 'replicas' | 'gateway-api' | 'istio' | 'smi' | 'nginx' | 'alb';
export const ROUTER_KINDS: readonly RouterKind[] = ['replicas', 'gateway-api', 'istio', 'smi', 'nginx', 'alb'];

/** How the router reaches the stable pods, resolved once by canary-deploy and recorded in the canary state. */
export interface RouteBinding {
  kind: RouterKind;
  /** The user's route object (HTTPRoute, VirtualService, TrafficSplit, Ingress); none for `replicas`. */
  route?: string;
  /** The route object's apiVersion as served by this cluster. */
  routeApiVersion?: string;
  /** The Service the route sends stable traffic to. */
  stableService?: string;
  /** `match` conditions that always send a request to the canary (none when absent). */
  match?: MatchCondition[];
  /** `session-affinity: cookie`: the cookie that keeps a session on the version it started with. */
  affinity?: SessionAffinity;
  /** `strategy: shadow`: the canary's weight is the share of stable's requests mirrored to it; it gets no user traffic. */
  shadow?: boolean;
}
