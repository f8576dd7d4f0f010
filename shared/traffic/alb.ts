import { ClaimMismatch, claimOnObject, stampClaim } from '../canary/claim.js';
import type { KubeObject } from '../k8s/cluster.js';
import { key } from '../k8s/annotations.js';
import { isNotFound } from '../k8s/errors.js';
import { ingressRef } from '../k8s/objects.js';
import type { MatchCondition } from './match.js';
import { routedTracks, splitWeights, type RouterContext, type TrafficRouter } from './router.js';
import { ensureTrackService, removeTrackService } from './services.js';

type Entry = Record<string, any>;

const ALB = 'alb.ingress.kubernetes.io/';
/** The port name that tells the AWS Load Balancer Controller to read the backend's action from an annotation. */
export const USE_ANNOTATION = 'use-annotation';
/** Where the router keeps the stable backend's own port while the rule points at the action (restored by cleanup). */
export const STABLE_PORT = key('alb-stable-port');

const actionKey = (name: string) => `${ALB}actions.${name}`;
const conditionsKey = (name: string) => `${ALB}conditions.${name}`;
/** The action of the i-th `match` condition (its own path, ahead of the weighted one: ALB ANDs a rule's conditions). */
const matchAction = (stable: string, i: number) => `${stable}-canary-match-${i}`;

/** ALB header values take `*` and `?` as wildcards; a cookie is matched on the Cookie header wherever it sits. */
export function albCondition(c: MatchCondition): Entry {
  if (c.on === 'header') return { field: 'http-header', httpHeaderConfig: { httpHeaderName: c.name, values: [c.value] } };
  const pair = `${c.name}=${c.value}`;
  return { field: 'http-header', httpHeaderConfig: { httpHeaderName: 'Cookie', values: [pair, `${pair};*`, `*; ${pair}`, `*; ${pair};*`] } };
}

/**
 * AWS Load Balancer Controller: the user's Ingress rule that reaches the stable Service is pointed at the
 * `actions.<stable Service>` annotation (port `use-annotation`), a forward action with weighted target groups
 * (stable and canary Services). `match` conditions get a path of their own ahead of it, forwarding to the canary.
 */
export class AlbRouter implements TrafficRouter {
  readonly kind = 'alb';
  constructor(
    private readonly ctx: RouterContext,
    private readonly route: string,
    private readonly stableService: string,
    private readonly match: MatchCondition[] = [],
  ) {
    if (ctx.baseline) throw new Error('The alb router weighs one canary beside stable; it cannot route to a baseline too.');
  }

  private get ref() {
    return ingressRef(this.ctx.namespace, this.route);
  }

  async prepare(): Promise<void> {
    const { cluster, namespace, deployment } = this.ctx;
    await ensureTrackService(cluster, namespace, deployment, this.ctx.canary, 'canary', this.stableService);
    await this.edit((ing) => {
      this.unshape(ing);
      this.pointAtAction(ing);
      this.setAction(ing, 0);
      stampClaim(ing, deployment, this.ctx.claim);
    });
  }

  async setWeight(canaryWeight: number): Promise<void> {
    await this.edit(
      (ing) => {
        if (claimOnObject(ing, this.ctx.deployment) !== this.ctx.claim) throw new ClaimMismatch(`Ingress ${this.route} does not carry this canary's claim`);
        this.shape(ing, canaryWeight);
      },
      { mustExist: true },
    );
  }

  async current(): Promise<number> {
    const ing = await this.ctx.cluster.get(this.ref);
    const groups: Entry[] = parse(ing.metadata?.annotations?.[actionKey(this.stableService)])?.forwardConfig?.targetGroups ?? [];
    const weightOf = (name: string) => Number(groups.find((g) => g.serviceName === name)?.weight ?? 0);
    const total = weightOf(this.stableService) + weightOf(this.ctx.canary);
    return total === 0 ? 0 : Math.round((100 * weightOf(this.ctx.canary)) / total);
  }

  readonly trackReplicas = routedTracks.trackReplicas;
  readonly holdTraffic = routedTracks.holdTraffic;

  async carries(canaryWeight: number): Promise<boolean> {
    const ing = await this.ctx.cluster.get(this.ref);
    const wanted = structuredClone(ing);
    this.shape(wanted, canaryWeight);
    return JSON.stringify([wanted.spec, wanted.metadata?.annotations]) === JSON.stringify([ing.spec, ing.metadata?.annotations]);
  }

  async reset(): Promise<void> {
    await this.edit((ing) => {
      this.unshape(ing);
      if (ing.metadata?.annotations?.[actionKey(this.stableService)] !== undefined) this.setAction(ing, 0);
      stampClaim(ing, this.ctx.deployment, undefined);
    });
  }

  /** The Ingress as it was before the canary: the rule back on the stable Service's own port, no action annotations. */
  async cleanup(): Promise<void> {
    await this.edit((ing) => {
      this.unshape(ing);
      const annotations = { ...ing.metadata?.annotations };
      const saved = parse(annotations[STABLE_PORT]);
      if (saved) {
        for (const backend of this.stableBackends(ing)) {
          if (backend.service.port?.name === USE_ANNOTATION) backend.service.port = saved;
        }
      }
      delete annotations[STABLE_PORT];
      delete annotations[actionKey(this.stableService)];
      ing.metadata = { ...ing.metadata, annotations };
      stampClaim(ing, this.ctx.deployment, undefined);
    });
    await removeTrackService(this.ctx.cluster, this.ctx.namespace, this.ctx.deployment, this.ctx.canary);
  }

  /** The weighted action at `canaryWeight`, and the match paths when there are conditions. */
  private shape(ing: KubeObject, canaryWeight: number): void {
    this.unshape(ing);
    this.pointAtAction(ing);
    this.setAction(ing, canaryWeight);
    if (!this.match.length) return;
    const annotations = { ...ing.metadata?.annotations };
    const port = parse(annotations[STABLE_PORT]);
    this.match.forEach((c, i) => {
      const name = matchAction(this.stableService, i);
      annotations[actionKey(name)] = JSON.stringify(forward([[this.ctx.canary, port, 100]]));
      annotations[conditionsKey(name)] = JSON.stringify([albCondition(c)]);
    });
    ing.metadata = { ...ing.metadata, annotations };
    for (const rule of ing.spec?.rules ?? []) {
      if (!rule.http?.paths) continue;
      rule.http.paths = rule.http.paths.flatMap((p: Entry) =>
        p.backend?.service?.name === this.stableService
          ? [...this.match.map((_, i) => ({ ...p, backend: { service: { name: matchAction(this.stableService, i), port: { name: USE_ANNOTATION } } } })), p]
          : [p],
      );
    }
  }

  /** Removes the match paths and their annotations. */
  private unshape(ing: KubeObject): void {
    const prefix = `${this.stableService}-canary-match-`;
    for (const rule of ing.spec?.rules ?? []) {
      if (rule.http?.paths) rule.http.paths = rule.http.paths.filter((p: Entry) => !String(p.backend?.service?.name ?? '').startsWith(prefix));
    }
    const annotations = { ...ing.metadata?.annotations };
    for (const k of Object.keys(annotations)) {
      if (k.startsWith(actionKey(prefix)) || k.startsWith(conditionsKey(prefix))) delete annotations[k];
    }
    ing.metadata = { ...ing.metadata, annotations };
  }

  /** Backends of the paths that reach the stable Service (by its own port, or already through the action). */
  private stableBackends(ing: KubeObject): Entry[] {
    const paths = (ing.spec?.rules ?? []).flatMap((r: Entry) => r.http?.paths ?? []);
    return [ing.spec?.defaultBackend, ...paths.map((p: Entry) => p.backend)].filter((b: Entry | undefined) => b?.service?.name === this.stableService);
  }

  /** Points the stable backends at the action annotation, keeping the stable Service's own port to restore. */
  private pointAtAction(ing: KubeObject): void {
    const annotations = { ...ing.metadata?.annotations };
    for (const backend of this.stableBackends(ing)) {
      if (backend.service.port?.name === USE_ANNOTATION) continue;
      annotations[STABLE_PORT] ??= JSON.stringify(backend.service.port ?? {});
      backend.service.port = { name: USE_ANNOTATION };
    }
    ing.metadata = { ...ing.metadata, annotations };
  }

  private setAction(ing: KubeObject, canaryWeight: number): void {
    const { stable, canary } = splitWeights(canaryWeight, false);
    const port = parse(ing.metadata?.annotations?.[STABLE_PORT]);
    const action = forward([
      [this.stableService, port, stable],
      [this.ctx.canary, port, canary],
    ]);
    ing.metadata = { ...ing.metadata, annotations: { ...ing.metadata?.annotations, [actionKey(this.stableService)]: JSON.stringify(action) } };
  }

  private async edit(change: (ing: KubeObject) => void, o: { mustExist?: boolean } = {}): Promise<void> {
    try {
      await this.ctx.cluster.update(this.ref, (ing) => {
        const before = JSON.stringify([ing.spec, ing.metadata?.annotations]);
        change(ing);
        return JSON.stringify([ing.spec, ing.metadata?.annotations]) !== before;
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      if (o.mustExist) throw new ClaimMismatch(`Ingress ${this.route} is gone`);
    }
  }
}

/** A forward action to weighted target groups (Services), in the controller's annotation format. */
function forward(groups: [string, Entry | undefined, number][]): Entry {
  return {
    type: 'forward',
    forwardConfig: {
      targetGroups: groups.map(([serviceName, port, weight]) => ({ serviceName, servicePort: String(port?.number ?? port?.name ?? 80), weight })),
    },
  };
}

function parse(text: string | undefined): Entry | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
