import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { LABEL_CANARY_OF, removeAnnotationsPatch, ROLLBACK } from '../k8s/annotations.js';
import { deploymentRef, selectorString } from '../k8s/objects.js';
import { recordedRouter, type Log } from './load.js';
import { CANARY_STATE_KEYS, decodeCanaryState, describeCanary } from './state.js';

export interface RollbackRecord {
  reason: string;
  by?: string;
}

export interface CanaryRollback {
  rolledBack: boolean;
  fromImage?: string;
  toImage?: string;
  /** Canary pods still terminating when the wait ran out (traffic is on stable regardless). */
  podsLeft: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deletes the canary and baseline Deployments, their ReplicaSets and pods directly (not waiting for
 * the garbage collector), and waits up to `waitMs` for the pods to be gone. Returns pods left.
 */
export async function removeTrackWorkloads(cluster: Cluster, namespace: string, deployment: string, waitMs = 60_000): Promise<number> {
  const selector = selectorString({ [LABEL_CANARY_OF]: deployment });
  const kinds: [string, string][] = [
    ['apps/v1', 'Deployment'],
    ['apps/v1', 'ReplicaSet'],
    ['v1', 'Pod'],
  ];
  for (const [apiVersion, kind] of kinds) {
    const items = await cluster.list(apiVersion, kind, namespace, selector);
    await Promise.all(items.filter((o) => !o.metadata?.deletionTimestamp).map((o) => cluster.remove({ apiVersion, kind, namespace, name: o.metadata!.name! })));
  }
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(500, delay * 2)) {
    const left = (await cluster.list('v1', 'Pod', namespace, selector)).length;
    if (left === 0 || Date.now() >= deadline) return left;
    await sleep(delay);
  }
}

/**
 * Restores stable: all traffic to the stable pods first, then the canary and baseline removed with the
 * routing the suite added, then the recorded state cleared (last, so an interrupted rollback can be
 * run again). Idempotent: with nothing in progress it changes nothing. Used by auto-rollback, by
 * monitor-canary on failure, by canary-deploy on a rollout timeout and by its post step.
 */
export async function rollbackCanary(cluster: Cluster, namespace: string, deployment: string, log: Log, record?: RollbackRecord): Promise<CanaryRollback> {
  const stableRef = deploymentRef(namespace, deployment);
  const stable = await cluster.get<V1Deployment>(stableRef);
  const state = decodeCanaryState(stable.metadata?.annotations);
  const leftovers = await cluster.list('apps/v1', 'Deployment', namespace, selectorString({ [LABEL_CANARY_OF]: deployment }));
  if (!state && leftovers.length === 0) {
    log(`No canary in progress for ${namespace}/${deployment}: stable already serves all traffic; nothing to roll back.`);
    return { rolledBack: false, podsLeft: 0 };
  }
  if (state) {
    log(`Rolling back canary ${describeCanary(state)}.`);
    const router = recordedRouter(cluster, namespace, deployment, state);
    await router.reset();
    log(`Traffic: 100% to stable ${deployment} (${state.router.kind}).`);
    const podsLeft = await removeTrackWorkloads(cluster, namespace, deployment);
    await router.cleanup();
    await finish(cluster, stableRef, state.canaryImage, state.stableImage, record);
    log(`Removed ${[state.canary, state.baseline].filter(Boolean).join(' and ')}${podsLeft ? ` (${podsLeft} pods still terminating)` : ''}; state cleared.`);
    return { rolledBack: true, fromImage: state.canaryImage, toImage: state.stableImage, podsLeft };
  }
  log(`No canary state recorded, but ${leftovers.map((d) => d.metadata?.name).join(', ')} left behind: removing.`);
  const podsLeft = await removeTrackWorkloads(cluster, namespace, deployment);
  await finish(cluster, stableRef, undefined, undefined, record);
  return { rolledBack: true, podsLeft };
}

async function finish(cluster: Cluster, stableRef: ReturnType<typeof deploymentRef>, from?: string, to?: string, record?: RollbackRecord) {
  const patch = removeAnnotationsPatch(CANARY_STATE_KEYS) as { metadata: { annotations: Record<string, string | null> } };
  if (record) {
    Object.assign(patch.metadata.annotations, {
      [ROLLBACK.mode]: 'canary',
      [ROLLBACK.reason]: record.reason,
      [ROLLBACK.at]: new Date().toISOString(),
      [ROLLBACK.fromImage]: from ?? null,
      [ROLLBACK.toImage]: to ?? null,
      [ROLLBACK.by]: record.by ?? null,
    });
  }
  await cluster.mergePatch(stableRef, patch);
}
