import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors.js';
import type { Cluster, KubeObject } from '../k8s/cluster.js';
import { LABEL_CANARY_OF, LABEL_TRACK } from '../k8s/annotations.js';
import { deploymentRef, selectorMatches, serviceRef } from '../k8s/objects.js';
import { GITOPS_ANNOTATIONS } from '../canary/gitops.js';

type Service = V1Service;

/** The labels that select the pods of one track (canary or baseline) of a stable Deployment. */
export function trackSelector(deployment: string, track: 'canary' | 'baseline'): Record<string, string> {
  return { [LABEL_CANARY_OF]: deployment, [LABEL_TRACK]: track };
}

/**
 * Among the Services a route sends traffic to, the one that selects the stable Deployment's pods.
 * Fails with a ConfigurationError when none does: the route does not serve this Deployment.
 */
export async function findStableService(
  cluster: Cluster,
  namespace: string,
  deployment: string,
  candidates: string[],
  routeDescription: string,
): Promise<Service> {
  const stable = await cluster.get(deploymentRef(namespace, deployment));
  const podLabels = stable.spec?.template?.metadata?.labels as Record<string, string> | undefined;
  for (const name of [...new Set(candidates)]) {
    const svc = await cluster.find<Service>(serviceRef(namespace, name));
    if (svc && selectorMatches(svc.spec?.selector, podLabels)) return svc;
  }
  throw new ConfigurationError(
    `${routeDescription} sends no traffic to the pods of Deployment ${namespace}/${deployment}: none of its Services (${candidates.join(', ') || 'none'}) selects them.`,
  );
}

/** Creates or updates the Service of one track: the stable Service's ports, the track's pods. */
export async function ensureTrackService(
  cluster: Cluster,
  namespace: string,
  deployment: string,
  name: string,
  track: 'canary' | 'baseline',
  stableService: string,
): Promise<void> {
  const stable = await cluster.get<Service>(serviceRef(namespace, stableService));
  const ports = portsOf(stable.spec?.ports);
  const selector = trackSelector(deployment, track);
  const desired: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: selector, annotations: { ...GITOPS_ANNOTATIONS } },
    spec: { selector, ports },
  };
  await cluster.upsert<Service>(desired, (svc) => {
    const marked = Object.entries(GITOPS_ANNOTATIONS).every(([k, v]) => svc.metadata?.annotations?.[k] === v);
    const same = marked && JSON.stringify(svc.spec?.selector) === JSON.stringify(selector) && JSON.stringify(portsOf(svc.spec?.ports)) === JSON.stringify(ports);
    if (same) return false;
    svc.spec = { ...svc.spec, selector, ports };
    svc.metadata = { ...svc.metadata, annotations: { ...svc.metadata?.annotations, ...GITOPS_ANNOTATIONS } };
    return true;
  });
}

/** The parts of Service ports that define routing (not node ports or cluster IPs). */
function portsOf(ports: NonNullable<V1Service['spec']>['ports']): V1ServicePort[] {
  return (ports ?? []).map(({ name, port, targetPort, protocol, appProtocol }) => ({
    ...(name ? { name } : {}),
    port,
    ...(targetPort !== undefined ? { targetPort } : {}),
    ...(protocol ? { protocol } : {}),
    ...(appProtocol ? { appProtocol } : {}),
  }));
}

/** Deletes a track Service the suite created (never a Service it did not label as its own). */
export async function removeTrackService(cluster: Cluster, namespace: string, deployment: string, name: string): Promise<void> {
  const svc = await cluster.find<Service>(serviceRef(namespace, name));
  if (svc && svc.metadata?.labels?.[LABEL_CANARY_OF] === deployment) await cluster.remove(serviceRef(namespace, name));
}
