import type { Cluster, KubeObject, ObjectRef } from '../../../shared/k8s/cluster.js';

/**
 * `spec` as the sandbox's API server would store it on the object `ref` (its CRD's schema checked and its
 * defaults applied, e.g. an HTTPRoute backendRef's `group: ""`, `kind: Service`, `weight: 1`): a dry-run replace,
 * so nothing changes. Specs compare a route with what the router's docs say it must be, after these defaults.
 */
export async function asStored(cluster: Cluster, ref: ObjectRef, spec: KubeObject['spec']): Promise<any> {
  const current = await cluster.get(ref);
  return (await cluster.replace({ ...current, spec }, { dryRun: true })).spec;
}
