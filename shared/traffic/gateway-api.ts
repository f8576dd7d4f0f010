import type { KubeObject } from '../k8s/cluster.js';
import type { BackendLists } from './route-object.js';
import { httpRouteMatchRules } from './match-rules.js';
import { httpRouteMirror } from './mirror.js';
import { isOurCookie, type SessionAffinity } from './affinity.js';

type Entry = Record<string, any>;

/**
 * A backendRef whose responses set `header` as their Set-Cookie (a ResponseHeaderModifier filter on the backend),
 * or, with `header` undefined, without the one this affinity set: the user's own filters stay as they were.
 */
function stampCookie(ref: Entry, header: string | undefined, a: SessionAffinity): Entry {
  const filters: Entry[] = (ref.filters ?? []).flatMap((f: Entry) => {
    if (f.type !== 'ResponseHeaderModifier') return [f];
    const add = (f.responseHeaderModifier?.add ?? []).filter((h: Entry) => !(String(h.name).toLowerCase() === 'set-cookie' && isOurCookie(a, h.value)));
    const rhm = { ...f.responseHeaderModifier, add };
    if (!add.length) delete rhm.add;
    return Object.keys(rhm).length ? [{ ...f, responseHeaderModifier: rhm }] : [];
  });
  if (header !== undefined) filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value: header }] } });
  const { filters: _old, ...rest } = ref;
  return filters.length ? { ...rest, filters } : rest;
}

export const HTTPROUTE_VERSIONS = ['gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1'];

const isService = (ref: Record<string, any>) => (ref.kind ?? 'Service') === 'Service' && (ref.group ?? '') === '';

/** HTTPRoute: the weighted `backendRefs` of each rule that sends traffic to the stable Service. */
export const httpRouteBackends: BackendLists = {
  forEachList(obj: KubeObject, edit) {
    for (const rule of obj.spec?.rules ?? []) {
      if (Array.isArray(rule.backendRefs)) rule.backendRefs = edit(rule.backendRefs);
    }
  },
  nameOf: (ref) => (isService(ref) ? String(ref.name) : ''),
  make: (name, stable) => ({ ...(stable.group !== undefined ? { group: stable.group } : {}), ...(stable.kind ? { kind: stable.kind } : {}), name, ...(stable.port ? { port: stable.port } : {}) }),
  matchRules: httpRouteMatchRules((ref) => (isService(ref) ? String(ref.name) : '')),
  stampCookie,
  mirroring: httpRouteMirror((ref) => (isService(ref) ? String(ref.name) : '')),
};

/** The Services an HTTPRoute sends traffic to. */
export function httpRouteServices(obj: KubeObject): string[] {
  return (obj.spec?.rules ?? []).flatMap((r: any) => (r.backendRefs ?? []).filter(isService).map((b: any) => String(b.name)));
}
