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

/** The first rule's `backendRefs` of HTTPRoute `name` as the API server would store `backendRefs` there (see `asStored`). */
export async function storedBackendRefs(cluster: Cluster, namespace: string, backendRefs: object[], name = 'model'): Promise<any[]> {
  const ref = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name };
  const { spec } = await cluster.get(ref);
  const rules = [{ ...spec.rules[0], backendRefs }, ...spec.rules.slice(1)];
  return (await asStored(cluster, ref, { ...spec, rules })).rules[0].backendRefs;
}
