import type { KubeObject } from '../k8s/cluster.js';
import type { BackendLists } from './route-object.js';
import { virtualServiceMatchRules } from './match-rules.js';

export const VIRTUALSERVICE_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3'];

/** `model.prod.svc.cluster.local` and `model.prod` name the Service `model`. */
const serviceOfHost = (host: unknown) => String(host ?? '').split('.')[0];

/** VirtualService: the weighted destinations of every http, tls and tcp route. */
export const virtualServiceBackends: BackendLists = {
  forEachList(obj: KubeObject, edit) {
    for (const section of ['http', 'tls', 'tcp']) {
      for (const route of obj.spec?.[section] ?? []) {
        if (Array.isArray(route.route)) route.route = edit(route.route);
      }
    }
  },
  nameOf: (d) => serviceOfHost(d.destination?.host),
  // The canary's host is written like the stable one (short, or fully qualified).
  make: (name, stable) => ({
    destination: { ...stable.destination, host: [name, ...String(stable.destination.host).split('.').slice(1)].join('.') },
  }),
  matchRules: virtualServiceMatchRules((d) => serviceOfHost(d.destination?.host)),
};

export function virtualServiceDestinations(obj: KubeObject): { service: string; subset?: string }[] {
  return ['http', 'tls', 'tcp'].flatMap((section) =>
    (obj.spec?.[section] ?? []).flatMap((r: any) =>
      (r.route ?? []).map((d: any) => ({ service: serviceOfHost(d.destination?.host), subset: d.destination?.subset })),
    ),
  );
}
