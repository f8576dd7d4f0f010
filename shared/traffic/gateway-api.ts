import type { KubeObject } from '../k8s/cluster.js';
import type { BackendLists } from './route-object.js';
import { httpRouteMatchRules } from './match-rules.js';

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
};

/** The Services an HTTPRoute sends traffic to. */
export function httpRouteServices(obj: KubeObject): string[] {
  return (obj.spec?.rules ?? []).flatMap((r: any) => (r.backendRefs ?? []).filter(isService).map((b: any) => String(b.name)));
}
