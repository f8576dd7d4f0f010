import type { KubeObject } from '../k8s/cluster.js';
import type { BackendNames } from './backends.js';
import { cookieHeaderRegex, type MatchCondition } from './match.js';

type Entry = Record<string, any>;

/** How a route object sends requests that meet `match` conditions to the canary: rules of its own, added and removed whole. */
export interface MatchRules {
  /**
   * Replaces the suite's match rules with fresh ones, ahead of each rule that reaches stable: requests meeting
   * any of `toCanary` go to the canary; with `toStable` (session affinity's stable cookie), those meeting it stay on stable.
   */
  put(obj: KubeObject, names: BackendNames, toCanary: MatchCondition[], make: (name: string, stableEntry: Entry) => Entry, toStable?: MatchCondition): void;
  /** Removes the suite's match rules (and the stable-cookie rules for `toStable`). */
  remove(obj: KubeObject, names: BackendNames, toStable?: MatchCondition): void;
}

/** A rule is the suite's match rule when every backend it has is the canary (a user's rule always reaches stable or something else). */
const isOurs = (backends: Entry[] | undefined, nameOf: (e: Entry) => string, names: BackendNames) =>
  Array.isArray(backends) && backends.length > 0 && backends.every((b) => nameOf(b) === names.canary);

/**
 * Gateway API: an HTTPRoute rule per rule that reaches stable, with the same matches (and filters) plus the
 * condition's header match, all to the canary. It wins by the spec's precedence: for the same path, the match
 * with more header matches is chosen. A cookie is a `RegularExpression` match on the `Cookie` header.
 */
export function httpRouteMatchRules(nameOf: (e: Entry) => string): MatchRules {
  const header = (c: MatchCondition) =>
    c.on === 'cookie'
      ? { type: 'RegularExpression', name: 'Cookie', value: cookieHeaderRegex(c) }
      : c.regex !== undefined
        ? { type: 'RegularExpression', name: c.name, value: c.regex }
        : { type: 'Exact', name: c.name, value: c.value };
  /** A stable-cookie rule: to stable only, every match requiring the stable cookie. */
  const isSticky = (rule: Entry, names: BackendNames, toStable?: MatchCondition) =>
    toStable !== undefined &&
    isOurs(rule.backendRefs, (b) => (nameOf(b) === names.stable ? names.canary : ''), names) &&
    Array.isArray(rule.matches) &&
    rule.matches.every((m: Entry) => (m.headers ?? []).some((h: Entry) => h.name === 'Cookie' && h.value === cookieHeaderRegex(toStable)));
  const remove = (obj: KubeObject, names: BackendNames, toStable?: MatchCondition) => {
    if (Array.isArray(obj.spec?.rules)) obj.spec.rules = obj.spec.rules.filter((r: Entry) => !isOurs(r.backendRefs, nameOf, names) && !isSticky(r, names, toStable));
  };
  return {
    remove,
    put(obj, names, toCanary, make, toStable) {
      remove(obj, names, toStable);
      obj.spec.rules = (obj.spec?.rules ?? []).flatMap((rule: Entry) => {
        const stable = (rule.backendRefs ?? []).find((b: Entry) => nameOf(b) === names.stable);
        if (!stable) return [rule];
        const { name: _name, backendRefs: _refs, matches, ...rest } = rule;
        const base: Entry[] = Array.isArray(matches) && matches.length ? matches : [{ path: { type: 'PathPrefix', value: '/' } }];
        const to = (conditions: MatchCondition[], backend: Entry) => ({
          ...rest,
          matches: conditions.flatMap((c) => base.map((m) => ({ ...m, headers: [...(m.headers ?? []), header(c)] }))),
          backendRefs: [backend],
        });
        const { weight: _w, ...stableBackend } = stable;
        return [to(toCanary, make(names.canary, stable)), ...(toStable ? [to([toStable], stableBackend)] : []), rule];
      });
    },
  };
}

/**
 * Istio: an `http` route ahead of each one that reaches stable, with its matches (each also requiring the
 * condition's header) and the canary as its only destination. Istio takes the first route that matches,
 * so it wins. A cookie is a `regex` match on the `cookie` header; Istio's `regex` matches the whole value.
 */
export function virtualServiceMatchRules(nameOf: (e: Entry) => string): MatchRules {
  const header = (c: MatchCondition) =>
    c.on === 'cookie' ? ['cookie', { regex: cookieHeaderRegex(c) }] : [c.name, c.regex !== undefined ? { regex: c.regex } : { exact: c.value }];
  const isSticky = (route: Entry, names: BackendNames, toStable?: MatchCondition) =>
    toStable !== undefined &&
    isOurs(route.route, (d) => (nameOf(d) === names.stable ? names.canary : ''), names) &&
    Array.isArray(route.match) &&
    route.match.every((m: Entry) => m.headers?.cookie?.regex === cookieHeaderRegex(toStable));
  const remove = (obj: KubeObject, names: BackendNames, toStable?: MatchCondition) => {
    if (Array.isArray(obj.spec?.http)) obj.spec.http = obj.spec.http.filter((r: Entry) => !isOurs(r.route, nameOf, names) && !isSticky(r, names, toStable));
  };
  return {
    remove,
    put(obj, names, toCanary, make, toStable) {
      remove(obj, names, toStable);
      if (!Array.isArray(obj.spec?.http)) return;
      obj.spec.http = obj.spec.http.flatMap((route: Entry) => {
        const stable = (route.route ?? []).find((d: Entry) => nameOf(d) === names.stable);
        if (!stable) return [route];
        const { name, route: _dests, match, ...rest } = route;
        const base: Entry[] = Array.isArray(match) && match.length ? match : [{}];
        const to = (conditions: MatchCondition[], destination: Entry, suffix: string) => ({
          ...(name ? { name: `${name}-${suffix}` } : {}),
          ...rest,
          match: conditions.flatMap((c) => {
            const [key, spec] = header(c) as [string, Entry];
            return base.map((m) => ({ ...m, headers: { ...m.headers, [key]: spec } }));
          }),
          route: [destination],
        });
        const { weight: _w, ...stableDestination } = stable;
        return [to(toCanary, make(names.canary, stable), 'canary-match'), ...(toStable ? [to([toStable], stableDestination, 'stable-session')] : []), route];
      });
    },
  };
}
