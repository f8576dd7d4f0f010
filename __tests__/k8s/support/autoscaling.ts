import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster, KubeObject, ObjectRef } from '../../../shared/k8s/cluster.js';
import { deploymentRef } from '../../../shared/k8s/objects.js';

/** An autoscaling/v2 HorizontalPodAutoscaler (default name `model`). */
export const hpaRef = (namespace: string, name = 'model'): ObjectRef => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace, name });

export interface HpaOptions {
  min: number;
  max: number;
  /** Default `model`. */
  name?: string;
  /** The Deployment it scales, default `model`. */
  target?: string;
  /** Average CPU utilisation it aims at, in percent (default 70). */
  cpu?: number;
  behavior?: Record<string, unknown>;
  metadata?: Partial<KubeObject['metadata']>;
}

/** Creates an HPA on a Deployment, scaling on CPU utilisation as most model servers' do. */
export async function createHpa(cluster: Cluster, namespace: string, o: HpaOptions): Promise<void> {
  const name = o.name ?? 'model';
  await cluster.create({
    ...hpaRef(namespace, name),
    metadata: { name, namespace, ...o.metadata },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.target ?? 'model' },
      minReplicas: o.min,
      maxReplicas: o.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.cpu ?? 70 } } }],
      ...(o.behavior ? { behavior: o.behavior } : {}),
    },
  });
}

/** One look at serving capacity during a promote: stable's ready pods, and the canary's weight on HTTPRoute `model` (0 without one). */
export interface CapacitySample {
  stableReady: number;
  canaryWeight: number;
}

/**
 * Polls stable `model`'s ready replicas and the canary's backend weight on HTTPRoute `model` every `everyMs`
 * until stopped (to show that stable never has fewer ready pods than before while it holds traffic).
 */
export function watchCapacity(cluster: Cluster, namespace: string, everyMs = 50) {
  const samples: CapacitySample[] = [];
  const routeRef = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' };
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const [d, route] = await Promise.all([cluster.find<V1Deployment>(deploymentRef(namespace, 'model')), cluster.find(routeRef)]);
      const canaryWeight = route?.spec.rules[0].backendRefs.find((b: { name: string }) => b.name === 'model-canary')?.weight ?? 0;
      samples.push({ stableReady: d?.status?.readyReplicas ?? 0, canaryWeight });
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    samples,
    stop: async () => {
      watching = false;
      await loop;
      return samples;
    },
  };
}
