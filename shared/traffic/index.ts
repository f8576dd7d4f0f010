import type { V1Service } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors.js';
import type { Cluster, KubeObject } from '../k8s/cluster.js';
import type { RouteBinding, RouterKind } from './kinds.js';
import { HTTPROUTE_VERSIONS, httpRouteBackends, httpRouteServices } from './gateway-api.js';
import { VIRTUALSERVICE_VERSIONS, virtualServiceBackends, virtualServiceDestinations } from './istio.js';
import { TRAFFICSPLIT_VERSIONS, trafficSplitBackends, trafficSplitServices } from './smi.js';
import { NginxRouter, ingressServices } from './nginx.js';
import { ReplicasRouter } from './replicas.js';
import { AlbRouter } from './alb.js';
import { RouteObjectRouter, readRouteObject, type BackendLists } from './route-object.js';
import { findStableService } from './services.js';
import { requireSupportedMatch, type MatchCondition } from './match.js';
import { unsupportedAffinity, type SessionAffinity } from './affinity.js';
import { invalidInput } from '../errors.js';
import { MIRROR_ROUTERS, shadowRouters } from './mirror.js';
import type { RouterContext, TrafficRouter } from './router.js';

export type { TrafficRouter, RouterContext } from './router.js';

interface RouteKind {
  objectKind: string;
  versions: string[];
  services: (obj: KubeObject) => string[];
  lists?: BackendLists;
}

const ROUTES: Record<Exclude<RouterKind, 'replicas'>, RouteKind> = {
  'gateway-api': { objectKind: 'HTTPRoute', versions: HTTPROUTE_VERSIONS, services: httpRouteServices, lists: httpRouteBackends },
  istio: { objectKind: 'VirtualService', versions: VIRTUALSERVICE_VERSIONS, services: (o) => virtualServiceDestinations(o).map((d) => d.service), lists: virtualServiceBackends },
  smi: { objectKind: 'TrafficSplit', versions: TRAFFICSPLIT_VERSIONS, services: trafficSplitServices, lists: trafficSplitBackends },
  nginx: { objectKind: 'Ingress', versions: ['networking.k8s.io/v1'], services: ingressServices },
  alb: { objectKind: 'Ingress', versions: ['networking.k8s.io/v1'], services: ingressServices },
};

/** A resolved route: what to record, and which stable pod labels the canary pods must not share. */
export interface PreparedRoute {
  binding: RouteBinding;
  /**
   * Label keys whose values canary and baseline pods must not share with stable pods, so the stable
   * Service does not select them (empty for `replicas`, where sharing the selector IS the routing).
   */
  isolatedLabelKeys: string[];
}

/**
 * Resolves and checks the route for a router kind, changing nothing: the route object exists, is
 * served by this cluster, and sends traffic to a Service that selects the stable Deployment's pods.
 */
export async function prepareRoute(cluster: Cluster, kind: RouterKind, namespace: string, deployment: string, route?: string, match: MatchCondition[] = [], affinity?: SessionAffinity, shadow = false): Promise<PreparedRoute> {
  requireSupportedMatch(kind, match, JSON.stringify(match));
  const noAffinity = affinity && unsupportedAffinity(kind);
  if (noAffinity) throw invalidInput('session-affinity', 'cookie', noAffinity);
  if (shadow && !MIRROR_ROUTERS.includes(kind)) throw invalidInput('strategy', 'shadow', shadowRouters(kind));
  if (kind === 'replicas') return { binding: { kind }, isolatedLabelKeys: [] };
  if (!route) throw new ConfigurationError(`Input \`route\` is required with \`traffic-router: ${kind}\` (the ${ROUTES[kind].objectKind} to weigh).`);
  const spec = ROUTES[kind];
  const { obj, apiVersion } = await readRouteObject(cluster, namespace, route, spec.objectKind, spec.versions);
  if (kind === 'istio') {
    const subset = virtualServiceDestinations(obj).find((d) => d.subset);
    if (subset) {
      throw new ConfigurationError(
        `Invalid \`route\`: VirtualService '${route}' routes to subset '${subset.subset}' of '${subset.service}'; the istio router weighs destinations by host (Service), so route to the Service without subsets.`,
      );
    }
  }
  const stable = await findStableService(cluster, namespace, deployment, spec.services(obj), `${spec.objectKind} '${route}'`);
  const selector = (stable as V1Service).spec?.selector ?? {};
  return {
    binding: { kind, route, routeApiVersion: apiVersion, stableService: stable.metadata!.name!, ...(match.length ? { match } : {}), ...(affinity ? { affinity } : {}), ...(shadow ? { shadow } : {}) },
    isolatedLabelKeys: Object.keys(selector),
  };
}

/**
 * The router for a recorded binding: how canary-deploy set traffic up, rebuilt by any later step
 * (monitor-canary, promote, auto-rollback) from the state on the cluster.
 */
export function routerFor(ctx: RouterContext, binding: RouteBinding): TrafficRouter {
  if (binding.kind === 'replicas') return new ReplicasRouter(ctx);
  const spec = ROUTES[binding.kind];
  if (!spec) throw new Error(`Unknown traffic router '${binding.kind}' recorded on ${ctx.namespace}/${ctx.deployment}.`);
  if (!binding.route || !binding.stableService) throw new Error(`The recorded ${binding.kind} route on ${ctx.namespace}/${ctx.deployment} is incomplete.`);
  if (binding.kind === 'nginx') return new NginxRouter(ctx, binding.route, binding.stableService, binding.match);
  if (binding.kind === 'alb') return new AlbRouter(ctx, binding.route, binding.stableService, binding.match);
  const ref = { apiVersion: binding.routeApiVersion ?? spec.versions[0], kind: spec.objectKind, namespace: ctx.namespace, name: binding.route };
  return new RouteObjectRouter(binding.kind, ctx, ref, binding.stableService, spec.lists!, binding.match, binding.affinity, binding.shadow);
}
