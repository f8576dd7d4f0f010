import type { V1Ingress } from '@kubernetes/client-node';
import { ClaimMismatch, claimOnObject, claimsWith, stampClaim, TRAFFIC_CLAIMS } from '../canary/claim.js';
import { LABEL_CANARY_OF } from '../k8s/annotations.js';
import { isNotFound } from '../k8s/errors.js';
import { ingressRef } from '../k8s/objects.js';
import { ensureTrackService, removeTrackService } from './services.js';
import { podsForShare, splitWeights, type RouterContext, type TrafficRouter } from './router.js';

type Ingress = V1Ingress;

export const CANARY = 'nginx.ingress.kubernetes.io/canary';
export const CANARY_WEIGHT = 'nginx.ingress.kubernetes.io/canary-weight';
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

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
      annotations: { ...(klass ? { [CLASS_ANNOTATION]: klass } : {}), [CANARY]: 'true', [CANARY_WEIGHT]: String(weight) },
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
      ing.metadata = { ...ing.metadata, annotations: { ...ing.metadata?.annotations, ...desired.metadata!.annotations } };
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
        if (ing.metadata?.annotations?.[CANARY_WEIGHT] === String(canary)) return false;
        ing.metadata = { ...ing.metadata, annotations: { ...ing.metadata?.annotations, [CANARY_WEIGHT]: String(canary) } };
        return true;
      });
    } catch (error) {
      if (isNotFound(error)) throw new ClaimMismatch(`Ingress ${this.ctx.canary} is gone`);
      throw error;
    }
  }

  trackReplicas(stableReplicas: number, canaryWeight: number): number {
    return podsForShare(stableReplicas, canaryWeight);
  }

  /** The routing is created at 0%: it holds the canary from traffic by itself. */
  async holdTraffic(): Promise<undefined> {
    return undefined;
  }

  async carries(canaryWeight: number): Promise<boolean> {
    return (await this.current()) === canaryWeight;
  }

  async current(): Promise<number> {
    const ing = await this.ctx.cluster.find<Ingress>(ingressRef(this.ctx.namespace, this.ctx.canary));
    return Number(ing?.metadata?.annotations?.[CANARY_WEIGHT] ?? 0) || 0;
  }

  async reset(): Promise<void> {
    const ref = ingressRef(this.ctx.namespace, this.ctx.canary);
    const ing = await this.ctx.cluster.find<Ingress>(ref);
    if (ing && (ing.metadata?.annotations?.[CANARY_WEIGHT] !== '0' || claimOnObject(ing, this.ctx.deployment) !== undefined)) {
      await this.ctx.cluster
        .mergePatch(ref, { metadata: { annotations: { [CANARY_WEIGHT]: '0', [TRAFFIC_CLAIMS]: claimsWith(ing, this.ctx.deployment, undefined) } } })
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
