import type { KubeObject } from './cluster.js';

/**
 * The stable replicas serving now, one rule for every router, with or without an autoscaler: the pods the
 * Deployment runs (`status.replicas`, what the HPA itself reads as current), never more than its spec asks
 * for. Below the spec: the pods a scale-up asks for do not exist yet (the HPA just raised it, or a quota or
 * admission refuses them), so they serve nothing. Above the spec: the extra pods are a rolling update's
 * surge, gone when it ends, so sizing a canary from them would overshoot its weight. No status yet (a
 * Deployment the controller has not seen): the spec.
 */
export function servingReplicas(d: KubeObject): number {
  const wanted: number = d.spec?.replicas ?? 1;
  const running: number | undefined = d.status?.replicas;
  return running === undefined ? wanted : Math.min(wanted, running);
}
