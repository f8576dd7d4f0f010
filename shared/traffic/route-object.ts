import type { Cluster, KubeObject, ObjectRef } from '../k8s/cluster.js';
import { isConflict, isNotFound } from '../k8s/errors.js';
import { ConfigurationError } from '../errors.js';
import { ClaimMismatch, claimOnObject, stampClaim } from '../canary/claim.js';
import { applySplit, canaryShare, hasTracks, removeTracks, stableWeightOf, type BackendNames } from './backends.js';
import { recordStableWeights, takeStableWeights } from './stable-weights.js';
import type { MatchCondition } from './match.js';
import type { MatchRules } from './match-rules.js';
import type { Mirroring } from './mirror.js';
import { affinityConditions, affinityValues, setCookie, type SessionAffinity } from './affinity.js';
import { ensureTrackService, removeTrackService } from './services.js';
import { routedTracks, RELATIVE_WEIGHT_ROUTERS, splitWeights, type RouterContext, type TrafficRouter } from './router.js';

type Entries = Record<string, any>[];

/** How one kind of route object lists its weighted backends. */
export interface BackendLists {
  /** Calls `edit` on every weighted backend list in the object, replacing each with what it returns. */
  forEachList(obj: KubeObject, edit: (entries: Entries) => Entries): void;
  /** An entry's Service name. */
  nameOf(entry: Record<string, any>): string;
  /** A new entry for `name`, shaped like the stable entry. */
  make(name: string, stableEntry: Record<string, any>): Record<string, any>;
  /** How this kind sends requests that meet `match` conditions to the canary; none when it cannot. */
  matchRules?: MatchRules;
  /** A backend entry whose responses set `header` (Set-Cookie), or without this affinity's cookie when undefined. */
  /** How this kind mirrors stable's requests to a shadow canary; none when it cannot. */
  mirroring?: Mirroring;
  stampCookie?(entry: Record<string, any>, header: string | undefined, affinity: SessionAffinity): Record<string, any>;
}

/**
 * A router that weighs backends inside the user's route object (HTTPRoute, VirtualService,
 * TrafficSplit): the canary and baseline get Services of their own, added next to the stable one.
 */
export class RouteObjectRouter implements TrafficRouter {
  private readonly names: BackendNames;

  constructor(
    readonly kind: string,
    private readonly ctx: RouterContext,
    private readonly route: ObjectRef,
    private readonly stableService: string,
    private readonly lists: BackendLists,
    private readonly match: MatchCondition[] = [],
    private readonly affinity?: SessionAffinity,
    /** `strategy: shadow`: the weight this router sets is the share of stable's requests mirrored to the canary, which gets no user traffic. */
    private readonly shadow = false,
  ) {
    this.names = { stable: stableService, canary: ctx.canary, baseline: ctx.baseline };
  }

  async prepare(): Promise<void> {
    const split = splitWeights(0, this.ctx.baseline !== undefined);
    const { cluster, namespace, deployment } = this.ctx;
    await ensureTrackService(cluster, namespace, deployment, this.ctx.canary, 'canary', this.stableService);
    if (this.ctx.baseline) await ensureTrackService(cluster, namespace, deployment, this.ctx.baseline, 'baseline', this.stableService);
    await this.edit((obj) => {
      this.unshape(obj); // 0%: no request reaches the canary, by weight, by match or by cookie (first: the split must not weigh the suite's own rules)
      if (!this.anyTracks(obj)) recordStableWeights(obj, deployment, this.stableWeights(obj)); // the route as the user had it
      this.lists.forEachList(obj, (entries) => applySplit(entries, this.lists.nameOf, this.names, split, this.lists.make));
      stampClaim(obj, deployment, this.ctx.claim);
    });
  }

  async setWeight(canaryWeight: number): Promise<void> {
    await this.edit(
      (obj) => {
        if (claimOnObject(obj, this.ctx.deployment) !== this.ctx.claim) throw new ClaimMismatch(`${this.route.kind} ${this.route.name} does not carry this canary's claim`);
        this.shape(obj, canaryWeight);
      },
      { mustExist: true },
    );
  }

  /** The routing for `canaryWeight` percent: the weighted split, and the match rules when there are conditions. */
  private shape(obj: KubeObject, canaryWeight: number): void {
    const split = splitWeights(this.shadow ? 0 : canaryWeight, this.ctx.baseline !== undefined, RELATIVE_WEIGHT_ROUTERS.includes(this.kind));
    const sticky = this.affinity && affinityConditions(this.affinity, this.ctx.claim);
    // The suite's own rules go first, so the split weighs only the user's (a stable-session rule must not gain a canary backend).
    this.lists.matchRules?.remove(obj, this.names, sticky?.stable);
    this.lists.forEachList(obj, (entries) => applySplit(entries, this.lists.nameOf, this.names, split, this.lists.make));
    if (this.shadow && canaryWeight > 0) this.lists.mirroring!.put(obj, this.names, canaryWeight, this.lists.make);
    // Not mirroring: also a shadow canary turned weighted (../canary/convert.ts) loses its mirror in the write that weighs it.
    else this.lists.mirroring?.remove(obj, this.names);
    if (!this.match.length && !this.affinity) return;
    this.lists.matchRules!.put(obj, this.names, [...this.match, ...(sticky ? [sticky.canary] : [])], this.lists.make, sticky?.stable);
    if (!this.affinity) return;
    const a = this.affinity;
    const values = affinityValues(this.ctx.claim);
    const { stable, canary } = this.names;
    this.lists.forEachList(obj, (entries) =>
      entries.map((e) => {
        const name = this.lists.nameOf(e);
        return name === stable || name === canary ? this.lists.stampCookie!(e, setCookie(a, name === stable ? values.stable : values.canary), a) : e;
      }),
    );
  }

  /** Removes the match and session rules, and the session cookie from every entry: the user's routing as it was. */
  private unshape(obj: KubeObject): void {
    const sticky = this.affinity && affinityConditions(this.affinity, this.ctx.claim);
    this.lists.matchRules?.remove(obj, this.names, sticky?.stable);
    this.lists.mirroring?.remove(obj, this.names);
    const a = this.affinity;
    if (a) this.lists.forEachList(obj, (entries) => entries.map((e) => this.lists.stampCookie!(e, undefined, a)));
  }

  /** The stable entry's weight in each weighted list, in `forEachList` order. */
  private stableWeights(obj: KubeObject): (number | null)[] {
    const weights: (number | null)[] = [];
    this.lists.forEachList(obj, (entries) => {
      weights.push(stableWeightOf(entries, this.lists.nameOf, this.names));
      return entries;
    });
    return weights;
  }

  private anyTracks(obj: KubeObject): boolean {
    let found = false;
    this.lists.forEachList(obj, (entries) => {
      found ||= hasTracks(entries, this.lists.nameOf, this.names);
      return entries;
    });
    return found;
  }

  readonly trackReplicas = routedTracks.trackReplicas;
  readonly holdTraffic = routedTracks.holdTraffic;

  /** The route object is already as `setWeight(canaryWeight)` would leave it (weights and match rules), after the server's defaults. */
  async carries(canaryWeight: number): Promise<boolean> {
    const obj = await this.ctx.cluster.get(this.route);
    const wanted = structuredClone(obj);
    this.shape(wanted, canaryWeight);
    try {
      return !(await this.differs(obj, wanted));
    } catch (error) {
      if (isConflict(error)) return false; // changed since the read: setWeight decides again on a fresh read
      throw error;
    }
  }

  /**
   * Whether writing `wanted` over `current` would change what the server stores (spec and annotations). A
   * difference only in fields the server defaults (HTTPRoute backendRef `weight: 1`, `group`, `kind`, a rule's
   * path match) is none: the server is asked with a dry run, so re-runs converge under any CRD's defaults.
   */
  private async differs(current: KubeObject, wanted: KubeObject): Promise<boolean> {
    const content = (o: KubeObject) => JSON.stringify([o.spec, o.metadata?.annotations ?? {}]);
    if (content(wanted) === content(current)) return false;
    return content(await this.ctx.cluster.replace(wanted, { dryRun: true })) !== content(current);
  }

  async current(): Promise<number> {
    const obj = await this.ctx.cluster.get(this.route);
    if (this.shadow) return this.lists.mirroring!.percentOf(obj, this.names);
    let share = 0;
    this.lists.forEachList(obj, (entries) => {
      share = Math.max(share, canaryShare(entries, this.lists.nameOf, this.names));
      return entries;
    });
    return share;
  }

  async reset(): Promise<void> {
    const split = splitWeights(0, this.ctx.baseline !== undefined);
    await this.edit((obj) => {
      this.unshape(obj);
      this.lists.forEachList(obj, (entries) => applySplit(entries, this.lists.nameOf, this.names, split));
      stampClaim(obj, this.ctx.deployment, undefined);
    });
  }

  async cleanup(): Promise<void> {
    await this.edit((obj) => {
      this.unshape(obj); // before the canary entries go: a rule left with no backend would fail its requests
      // Each stable entry back at its weight from before the canary (100, all traffic, for a list not recorded).
      const weights = takeStableWeights(obj, this.ctx.deployment) ?? [];
      let list = 0;
      this.lists.forEachList(obj, (entries) => {
        const i = list++;
        return removeTracks(entries, this.lists.nameOf, this.names, i < weights.length ? weights[i] : 100);
      });
      stampClaim(obj, this.ctx.deployment, undefined);
    });
    const { cluster, namespace, deployment } = this.ctx;
    await removeTrackService(cluster, namespace, deployment, this.ctx.canary);
    if (this.ctx.baseline) await removeTrackService(cluster, namespace, deployment, this.ctx.baseline);
  }

  /**
   * Applies `change` to the route object in a check-and-set (replace with its resourceVersion; on 409 read
   * again and decide again); writes only when something changed. A write that differs from the stored object
   * only in fields the server defaults stores nothing new: the API server keeps the same resourceVersion.
   */
  private async edit(change: (obj: KubeObject) => void, o: { mustExist?: boolean } = {}): Promise<void> {
    try {
      await this.ctx.cluster.update(this.route, (obj) => {
        const before = JSON.stringify([obj.spec, obj.metadata?.annotations]);
        change(obj);
        return JSON.stringify([obj.spec, obj.metadata?.annotations]) !== before;
      });
    } catch (error) {
      // The route is gone (deleted by its owner): nothing routes to the canary any more.
      if (!isNotFound(error)) throw error;
      if (o.mustExist) throw new ClaimMismatch(`${this.route.kind} ${this.route.name} is gone`);
    }
  }
}

/** Reads the route object at the first API version this cluster serves; clear errors when it is missing. */
export async function readRouteObject(
  cluster: Cluster,
  namespace: string,
  name: string,
  kind: string,
  apiVersions: string[],
): Promise<{ obj: KubeObject; apiVersion: string }> {
  let served = false;
  for (const apiVersion of apiVersions) {
    try {
      return { obj: await cluster.get({ apiVersion, kind, namespace, name }), apiVersion };
    } catch (error) {
      // Not served: discovery has no such group version (a 404 on its metadata) or no such kind in it.
      // Anything else (a network failure after its retries, 403) is not an answer about the CRD.
      const original = (error as { cause?: unknown }).cause ?? error;
      const detail = original instanceof Error ? original.message : '';
      if (/Unrecognized API version/.test(detail) || (isNotFound(error) && /resource metadata/.test(detail))) continue;
      if (!isNotFound(error)) throw error;
      served = true;
    }
  }
  if (!served) {
    throw new ConfigurationError(
      `Invalid \`route\`: this cluster does not serve ${kind} (${apiVersions.join(', ')}); is its CRD installed?`,
    );
  }
  throw new ConfigurationError(`Invalid \`route\`: ${kind} '${name}' not found in namespace '${namespace}'.`);
}
