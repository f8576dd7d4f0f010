import type { V1Ingress } from '@kubernetes/client-node';
import { ClaimMismatch, claimOnObject, claimsWith, stampClaim, TRAFFIC_CLAIMS } from '../canary/claim.js';
import { LABEL_CANARY_OF } from '../k8s/annotations.js';
import { GITOPS_ANNOTATIONS } from '../canary/gitops.js';
import { isNotFound } from '../k8s/errors.js';
import { ingressRef } from '../k8s/objects.js';
import type { MatchCondition } from './match.js';
import { ensureTrackService, removeTrackService } from './services.js';
import { routedTracks, splitWeights, type RouterContext, type TrafficRouter } from './router.js';

type Ingress = V1Ingress;

export const CANARY = 'nginx.ingress.kubernetes.io/canary';
export const CANARY_WEIGHT = 'nginx.ingress.kubernetes.io/canary-weight';
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const BY_HEADER = 'nginx.ingress.kubernetes.io/canary-by-header';
export const BY_HEADER_VALUE = 'nginx.ingress.kubernetes.io/canary-by-header-value';
export const BY_HEADER_PATTERN = 'nginx.ingress.kubernetes.io/canary-by-header-pattern';
export const BY_COOKIE = 'nginx.ingress.kubernetes.io/canary-by-cookie';
const MATCH_ANNOTATIONS = [BY_HEADER, BY_HEADER_VALUE, BY_HEADER_PATTERN, BY_COOKIE];

/**
 * ingress-nginx's canary-by annotations for `match` (at most one header and one cookie condition, checked at
 * the edge): a request with the header at the value (or pattern), or with the cookie at `always`, goes to the canary.
 */
export function matchAnnotations(conditions: MatchCondition[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of conditions) {
    if (c.on === 'cookie') out[BY_COOKIE] = c.name;
    else {
      out[BY_HEADER] = c.name;
      if (c.regex !== undefined) out[BY_HEADER_PATTERN] = c.regex;
      else out[BY_HEADER_VALUE] = c.value!;
    }
  }
  return out;
}

/** The annotations as `setWeight` leaves them: the weight, and exactly the match annotations wanted (others null, for a merge patch). */
function routingAnnotations(weight: number, conditions: MatchCondition[]): Record<string, string | null> {
  const wanted = matchAnnotations(conditions);
  return { [CANARY_WEIGHT]: String(weight), ...Object.fromEntries(MATCH_ANNOTATIONS.map((k) => [k, wanted[k] ?? null])) };
}

const carriesAll = (annotations: Record<string, string> | undefined, wanted: Record<string, string | null>) =>
  Object.entries(wanted).every(([k, v]) => (annotations?.[k] ?? null) === v);

/** The Services an Ingress sends traffic to. */
export function ingressServices(ing: Ingress): string[] {
  const paths = (ing.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []);
  return [ing.spec?.defaultBackend, ...paths.map((p) => p.backend)].flatMap((b) => (b?.service?.name ? [b.service.name] : []));
}

/**
 * The canary Ingress for ingress-nginx: the stable Ingress's hosts and paths that reach the stable
 * Service, pointed at the canary Service, marked `canary: "true"` with `canary-weight`.
 */
export function canaryIngress(stable: Ingress, stableService: string, canary: string, deployment: string, weight: number): Ingress {
  const toCanary = (backend: any) =>
    backend?.service?.name === stableService ? { ...backend, service: { ...backend.service, name: canary } } : undefined;
  const rules = (stable.spec?.rules ?? []).flatMap((rule) => {
    const paths = (rule.http?.paths ?? []).flatMap((p) => (toCanary(p.backend) ? [{ ...p, backend: toCanary(p.backend) }] : []));
    return paths.length ? [{ ...(rule.host ? { host: rule.host } : {}), http: { paths } }] : [];
  });
  const klass = stable.metadata?.annotations?.[CLASS_ANNOTATION];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: canary,
      namespace: stable.metadata!.namespace,
      labels: { [LABEL_CANARY_OF]: deployment },
      annotations: { ...GITOPS_ANNOTATIONS, ...(klass ? { [CLASS_ANNOTATION]: klass } : {}), [CANARY]: 'true', [CANARY_WEIGHT]: String(weight) },
    },
    spec: {
      ...(stable.spec?.ingressClassName ? { ingressClassName: stable.spec.ingressClassName } : {}),
      ...(toCanary(stable.spec?.defaultBackend) ? { defaultBackend: toCanary(stable.spec?.defaultBackend) } : {}),
      rules,
    },
  };
}

/** ingress-nginx: a canary Ingress beside the user's Ingress `route`, weighted by annotation. */
export class NginxRouter implements TrafficRouter {
  readonly kind = 'nginx';
  constructor(
    private readonly ctx: RouterContext,
    private readonly route: string,
    private readonly stableService: string,
    private readonly match: MatchCondition[] = [],
  ) {
    if (ctx.baseline) throw new Error('The nginx router carries one canary backend per Ingress; it cannot route to a baseline too.');
  }

  async prepare(): Promise<void> {
    const { cluster, namespace, deployment } = this.ctx;
    await ensureTrackService(cluster, namespace, deployment, this.ctx.canary, 'canary', this.stableService);
    const stable = await cluster.get<Ingress>(ingressRef(namespace, this.route));
    const desired = canaryIngress(stable, this.stableService, this.ctx.canary, deployment, 0);
    stampClaim(desired, deployment, this.ctx.claim);
    await cluster.upsert<Ingress>(desired, (ing) => {
      const before = JSON.stringify([ing.spec, ing.metadata?.annotations]);
      ing.spec = desired.spec;
      const annotations = { ...ing.metadata?.annotations, ...desired.metadata!.annotations };
      for (const k of MATCH_ANNOTATIONS) delete annotations[k]; // 0%: no request reaches the canary, by weight or by match
      ing.metadata = { ...ing.metadata, annotations };
      return JSON.stringify([ing.spec, ing.metadata?.annotations]) !== before;
    });
  }

  /** Only the weight of an existing canary Ingress that carries this canary's claim (check-and-set). */
  async setWeight(canaryWeight: number): Promise<void> {
    const { canary } = splitWeights(canaryWeight, false);
    const ref = ingressRef(this.ctx.namespace, this.ctx.canary);
    try {
      await this.ctx.cluster.update<Ingress>(ref, (ing) => {
        if (claimOnObject(ing, this.ctx.deployment) !== this.ctx.claim) throw new ClaimMismatch(`Ingress ${this.ctx.canary} does not carry this canary's claim`);
        const wanted = routingAnnotations(canary, this.match);
        if (carriesAll(ing.metadata?.annotations, wanted)) return false;
        const annotations: Record<string, string> = { ...ing.metadata?.annotations };
        for (const [k, v] of Object.entries(wanted)) {
          if (v === null) delete annotations[k];
          else annotations[k] = v;
        }
        ing.metadata = { ...ing.metadata, annotations };
        return true;
      });
    } catch (error) {
      if (isNotFound(error)) throw new ClaimMismatch(`Ingress ${this.ctx.canary} is gone`);
      throw error;
    }
  }

  readonly trackReplicas = routedTracks.trackReplicas;
  readonly holdTraffic = routedTracks.holdTraffic;

  async carries(canaryWeight: number): Promise<boolean> {
    const ing = await this.ctx.cluster.find<Ingress>(ingressRef(this.ctx.namespace, this.ctx.canary));
    return carriesAll(ing?.metadata?.annotations, routingAnnotations(splitWeights(canaryWeight, false).canary, this.match));
  }

  async current(): Promise<number> {
    const ing = await this.ctx.cluster.find<Ingress>(ingressRef(this.ctx.namespace, this.ctx.canary));
    return Number(ing?.metadata?.annotations?.[CANARY_WEIGHT] ?? 0) || 0;
  }

  async reset(): Promise<void> {
    const ref = ingressRef(this.ctx.namespace, this.ctx.canary);
    const ing = await this.ctx.cluster.find<Ingress>(ref);
    const off = routingAnnotations(0, []);
    if (ing && (!carriesAll(ing.metadata?.annotations, off) || claimOnObject(ing, this.ctx.deployment) !== undefined)) {
      await this.ctx.cluster
        .mergePatch(ref, { metadata: { annotations: { ...off, [TRAFFIC_CLAIMS]: claimsWith(ing, this.ctx.deployment, undefined) } } })
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error; // deleted meanwhile: no traffic either
        });
    }
  }

  async cleanup(): Promise<void> {
    const { cluster, namespace, deployment } = this.ctx;
    const ref = ingressRef(namespace, this.ctx.canary);
    const ing = await cluster.find<Ingress>(ref);
    if (ing?.metadata?.labels?.[LABEL_CANARY_OF] === deployment) await cluster.remove(ref);
    await removeTrackService(cluster, namespace, deployment, this.ctx.canary);
  }
}
