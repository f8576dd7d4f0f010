import type { KubeObject } from '../k8s/cluster.js';
import type { BackendLists } from './route-object.js';

/** v1alpha2 and later take integer weights (v1alpha1's quantities are not supported). */
export const TRAFFICSPLIT_VERSIONS = ['split.smi-spec.io/v1alpha4', 'split.smi-spec.io/v1alpha3', 'split.smi-spec.io/v1alpha2'];

/** TrafficSplit: `spec.backends`, one weighted Service each. */
export const trafficSplitBackends: BackendLists = {
  forEachList(obj: KubeObject, edit) {
    if (Array.isArray(obj.spec?.backends)) obj.spec.backends = edit(obj.spec.backends);
  },
  nameOf: (b) => String(b.service),
  make: (name) => ({ service: name }),
};

export function trafficSplitServices(obj: KubeObject): string[] {
  return (obj.spec?.backends ?? []).map((b: any) => String(b.service));
}
