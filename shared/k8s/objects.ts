import type { ObjectRef } from './cluster.js';

/** Refs and selectors for the built-in kinds the suite touches. */
export const deploymentRef = (namespace: string, name: string): ObjectRef => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
export const serviceRef = (namespace: string, name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Service', namespace, name });
export const ingressRef = (namespace: string, name: string): ObjectRef => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace, name });
export const namespaceRef = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name });

/** `a=1,b=2` from a label map, as list calls take it. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** True when every key of `selector` is in `labels` with the same value (and the selector is not empty). */
export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** JSON with object keys sorted, so two objects compare equal whatever order their keys came in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined && v[k] !== null).map((k) => [k, v[k]]))
      : v,
  );
}
