import type { KubeObject } from '../k8s/cluster.js';
import type { BackendNames } from './backends.js';
import type { RouterKind } from './kinds.js';

type Entry = Record<string, any>;

/** Routers that can mirror a share of stable's requests to a shadow canary. */
export const MIRROR_ROUTERS: readonly RouterKind[] = ['gateway-api', 'istio'];

/** The refusal of `strategy: shadow` on a router that cannot mirror. */
export const shadowRouters = (kind: RouterKind) =>
  `\`canary\` or \`blue-green\` with \`traffic-router: ${kind}\` (shadow traffic needs a router that mirrors requests: \`gateway-api\` or \`istio\`)`;

/**
 * `strategy: shadow`: the canary gets no user traffic; `percent` of the requests of every rule that reaches
 * stable are copied to it (its answers are discarded by the proxy).
 */
export interface Mirroring {
  /** Sets (or replaces) the suite's mirror on every rule that reaches stable. */
  put(obj: KubeObject, names: BackendNames, percent: number, make: (name: string, stableEntry: Entry) => Entry): void;
  /** Removes the suite's mirror (a mirror of the user's own to another backend stays). */
  remove(obj: KubeObject, names: BackendNames): void;
  /** The mirrored share now, in percent (0 when none). */
  percentOf(obj: KubeObject, names: BackendNames): number;
}

/** Gateway API: a `RequestMirror` filter with `percent` on the rule (Extended support; the API server checks it). */
export function httpRouteMirror(nameOf: (e: Entry) => string): Mirroring {
  const ours = (f: Entry, names: BackendNames) => f.type === 'RequestMirror' && nameOf(f.requestMirror?.backendRef ?? {}) === names.canary;
  const remove = (obj: KubeObject, names: BackendNames) => {
    for (const rule of obj.spec?.rules ?? []) {
      if (!Array.isArray(rule.filters) || !rule.filters.some((f: Entry) => ours(f, names))) continue;
      rule.filters = rule.filters.filter((f: Entry) => !ours(f, names));
      if (!rule.filters.length) delete rule.filters;
    }
  };
  return {
    remove,
    put(obj, names, percent, make) {
      remove(obj, names);
      for (const rule of obj.spec?.rules ?? []) {
        const stable = (rule.backendRefs ?? []).find((b: Entry) => nameOf(b) === names.stable);
        if (stable) rule.filters = [...(rule.filters ?? []), { type: 'RequestMirror', requestMirror: { backendRef: make(names.canary, stable), percent } }];
      }
    },
    percentOf(obj, names) {
      const filters = (obj.spec?.rules ?? []).flatMap((r: Entry) => (r.filters ?? []).filter((f: Entry) => ours(f, names)));
      return Math.max(0, ...filters.map((f: Entry) => Number(f.requestMirror.percent ?? 100)));
    },
  };
}

/** Istio: `mirror` and `mirrorPercentage` on every http route that reaches stable. */
export function virtualServiceMirror(nameOf: (e: Entry) => string): Mirroring {
  const ours = (route: Entry, names: BackendNames) => route.mirror !== undefined && nameOf({ destination: route.mirror }) === names.canary;
  const remove = (obj: KubeObject, names: BackendNames) => {
    for (const route of obj.spec?.http ?? []) {
      if (!ours(route, names)) continue;
      delete route.mirror;
      delete route.mirrorPercentage;
    }
  };
  return {
    remove,
    put(obj, names, percent, make) {
      remove(obj, names);
      for (const route of obj.spec?.http ?? []) {
        const stable = (route.route ?? []).find((d: Entry) => nameOf(d) === names.stable);
        if (!stable) continue;
        route.mirror = make(names.canary, stable).destination;
        route.mirrorPercentage = { value: percent };
      }
    },
    percentOf(obj, names) {
      const routes = (obj.spec?.http ?? []).filter((r: Entry) => ours(r, names));
      return Math.max(0, ...routes.map((r: Entry) => Number(r.mirrorPercentage?.value ?? 100)));
    },
  };
}
