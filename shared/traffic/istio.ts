import type { KubeObject } from '../k8s/cluster.js';
import type { BackendLists } from './route-object.js';
import { virtualServiceMatchRules } from './match-rules.js';
import { virtualServiceMirror } from './mirror.js';
import { isOurCookie, type SessionAffinity } from './affinity.js';

type Entry = Record<string, any>;

/** A destination whose responses set `header` as Set-Cookie (`headers.response.add`), or without this affinity's one. */
function stampCookie(d: Entry, header: string | undefined, a: SessionAffinity): Entry {
  const add: Entry = { ...d.headers?.response?.add };
  for (const k of Object.keys(add)) if (k.toLowerCase() === 'set-cookie' && isOurCookie(a, add[k])) delete add[k];
  if (header !== undefined) add['Set-Cookie'] = header;
  const response: Entry = { ...d.headers?.response, add };
  if (!Object.keys(add).length) delete response.add;
  const headers: Entry = { ...d.headers, response };
  if (!Object.keys(response).length) delete headers.response;
  const { headers: _old, ...rest } = d;
  return Object.keys(headers).length ? { ...rest, headers } : rest;
}

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
  stampCookie,
  mirroring: virtualServiceMirror((d) => serviceOfHost(d.destination?.host)),
};

export function virtualServiceDestinations(obj: KubeObject): { service: string; subset?: string }[] {
  return ['http', 'tls', 'tcp'].flatMap((section) =>
    (obj.spec?.[section] ?? []).flatMap((r: any) =>
      (r.route ?? []).map((d: any) => ({ service: serviceOfHost(d.destination?.host), subset: d.destination?.subset })),
    ),
  );
}
