import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { selectorMatches } from '../k8s/objects.js';

/** How a `replicas` canary is kept from traffic until a gate passes. */
export interface TrafficHold {
  /** Pod label keys the held canary's pods must not share with the stable pods. */
  isolatedLabelKeys: string[];
  /** A Service selecting the stable pods, whose ports the canary's own Service copies (so hooks can reach it). */
  stableService?: string;
}

/**
 * With `replicas` (ReplicasRouter.holdTraffic) the canary's pods share the stable pods' labels, so every Service that selects the
 * stable pods would send them traffic once Ready. Held, they carry none of those Services' selector
 * values until they may join.
 */
export async function replicasHold(cluster: Cluster, namespace: string, stable: V1Deployment): Promise<TrafficHold> {
  const podLabels = stable.spec?.template?.metadata?.labels;
  const services = (await cluster.list<V1Service>('v1', 'Service', namespace)).filter((s) => selectorMatches(s.spec?.selector, podLabels));
  return {
    isolatedLabelKeys: [...new Set(services.flatMap((s) => Object.keys(s.spec?.selector ?? {})))],
    stableService: services[0]?.metadata?.name,
  };
}
