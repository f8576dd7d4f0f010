import type { Cluster, KubeObject } from '../k8s/cluster.js';

/**
 * GitOps hygiene for the objects the suite creates beside a stable object (track Deployments, track
 * Services, the canary Ingress): they are not in git, so Argo CD must neither count them as part of the
 * application (OutOfSync) nor prune them, and Flux must not garbage-collect them as its own.
 */
export const GITOPS_ANNOTATIONS: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
  'argocd.argoproj.io/sync-options': 'Prune=false',
};

/** Argo CD's default tracking label (also Helm's instance label: see `withoutTracking`). */
const ARGO_INSTANCE_LABEL = 'app.kubernetes.io/instance';
const TRACKING_KEYS = new Set([ARGO_INSTANCE_LABEL, 'argocd.argoproj.io/instance', 'argocd.argoproj.io/tracking-id']);
const TRACKING_PREFIXES = ['kustomize.toolkit.fluxcd.io/', 'helm.toolkit.fluxcd.io/'];

/** A label or annotation by which Argo CD or Flux tracks an object as part of an application. */
export const isTrackingKey = (key: string): boolean => TRACKING_KEYS.has(key) || TRACKING_PREFIXES.some((p) => key.startsWith(p));

/**
 * The labels (or annotations) without any GitOps tracking key. `app.kubernetes.io/instance` is dropped
 * always: on an object's own metadata it is Argo CD's tracking label under label tracking, which nothing
 * on the cluster tells apart from Helm's label of the same name. Pod template labels are never passed
 * here: Services select on them, and pods (owned by ReplicaSets) are never pruned.
 */
export function withoutTracking(entries: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(entries ?? {}).filter(([k]) => !isTrackingKey(k)));
}

/** Who manages `obj` by GitOps, as its labels and annotations say, or undefined. */
export function gitopsOwner(obj: KubeObject): string | undefined {
  const labels = obj.metadata?.labels ?? {};
  const a = obj.metadata?.annotations ?? {};
  const owners: string[] = [];
  const trackingId = a['argocd.argoproj.io/tracking-id'];
  const argoApp = trackingId?.split(':')[0] ?? a['argocd.argoproj.io/instance'] ?? labels['argocd.argoproj.io/instance'];
  if (argoApp) owners.push(`Argo CD application ${argoApp}`);
  else if (labels[ARGO_INSTANCE_LABEL] && labels['app.kubernetes.io/managed-by'] !== 'Helm') owners.push(`Argo CD application ${labels[ARGO_INSTANCE_LABEL]} (label tracking)`);
  const ks = labels['kustomize.toolkit.fluxcd.io/name'];
  if (ks) owners.push(`Flux Kustomization ${labels['kustomize.toolkit.fluxcd.io/namespace'] ?? '?'}/${ks}`);
  const hr = labels['helm.toolkit.fluxcd.io/name'];
  if (hr) owners.push(`Flux HelmRelease ${labels['helm.toolkit.fluxcd.io/namespace'] ?? '?'}/${hr}`);
  return owners.length ? owners.join(' and ') : undefined;
}

/** The warning canary-deploy gives, before it changes anything, for a stable Deployment managed by GitOps. */
export function gitopsWarning(object: string, owner: string, router: string): string {
  const what = router === 'replicas' ? 'the canary Deployment' : `the canary's route weights on the ${router} route`;
  return (
    `${object} is managed by ${owner}. ai-deploy creates its canary objects without that application's tracking labels and ` +
    `annotations, marked argocd.argoproj.io/compare-options: IgnoreExtraneous and sync-options: Prune=false, so they are neither counted ` +
    `in the application nor pruned. A self-heal that reverts ${what} during the analysis stops monitor-canary with an error; ` +
    `docs/gitops.md shows the ignoreDifferences (Argo CD) and Flux settings that prevent it.`
  );
}

const ROUTE_KINDS: Record<string, string> = { 'gateway-api': 'HTTPRoute', istio: 'VirtualService', smi: 'TrafficSplit', nginx: 'Ingress' };

/**
 * What canary-deploy warns about before it changes anything: the stable Deployment, its Service and the
 * route object the router weighs, each when a GitOps controller manages it. Reads only.
 */
export async function gitopsWarnings(
  cluster: Cluster,
  stable: KubeObject,
  binding: { kind: string; route?: string; routeApiVersion?: string; stableService?: string },
): Promise<string[]> {
  const namespace = stable.metadata!.namespace!;
  const found: [string, KubeObject | undefined][] = [[`Deployment ${namespace}/${stable.metadata!.name}`, stable]];
  if (binding.route && binding.routeApiVersion && ROUTE_KINDS[binding.kind]) {
    const kind = ROUTE_KINDS[binding.kind];
    found.push([`${kind} ${namespace}/${binding.route}`, await cluster.find({ apiVersion: binding.routeApiVersion, kind, namespace, name: binding.route })]);
  }
  return found.flatMap(([name, obj]) => {
    const owner = obj && gitopsOwner(obj);
    return owner ? [gitopsWarning(name, owner, binding.kind)] : [];
  });
}
