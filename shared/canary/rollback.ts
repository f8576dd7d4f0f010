import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { LABEL_CANARY_OF, removeAnnotationsPatch, ROLLBACK } from '../k8s/annotations.js';
import { deploymentRef, selectorString } from '../k8s/objects.js';
import { recordedRouter, type Log } from './load.js';
import { restoreAutoscaling } from './autoscaler.js';
import { restoreRolloutStrategy } from './rollout-strategy.js';
import { decodeProgress, describeProgress, encodeProgress, PROGRESS } from './progress.js';
import { CANARY_STATE_KEYS, decodeCanaryState, describeCanary, type CanaryState } from './state.js';

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

/** The image the stable Deployment's canary container really runs now. */
export function stableRuns(stable: V1Deployment, state: CanaryState): string | undefined {
  const containers = stable.spec?.template?.spec?.containers ?? [];
  return (containers.find((c) => c.name === state.container) ?? containers[0])?.image;
}

/**
 * True when a promotion already moved stable to the canary's image (promote stopped half way): a canary
 * rollback would leave the new image serving and record a rollback that did not happen.
 */
export function promotionLanded(stable: V1Deployment, state: CanaryState): boolean {
  return state.canaryImage !== state.stableImage && stableRuns(stable, state) === state.canaryImage;
}

/** The refusal for `promotionLanded`: what happened, and the two ways on. */
export class PromotionUnderWay extends Error {
  override name = 'PromotionUnderWay';
}

/**
 * Restores stable: all traffic to the stable pods first, then the canary and baseline removed with the
 * routing the suite added, then the recorded state cleared (last, so an interrupted rollback can be
 * run again). The rollback is recorded as progress before anything else, so any step still working on
 * this canary sees who is rolling it back and writes nothing more (its traffic writes also fail on the
 * routing's claim, which the reset removes). What stable runs is read first, and the record says so:
 * when a promotion already moved stable to the canary's image, nothing is changed and it throws
 * `PromotionUnderWay` (re-run promote, or roll back the revision). Idempotent: with nothing in progress it
 * changes nothing. Used by auto-rollback, by monitor-canary on failure, by canary-deploy on a rollout
 * timeout and by its post step.
 */
export async function rollbackCanary(cluster: Cluster, namespace: string, deployment: string, log: Log, record?: RollbackRecord): Promise<CanaryRollback> {
  const stableRef = deploymentRef(namespace, deployment);
  const stable = await cluster.get<V1Deployment>(stableRef);
  const state = decodeCanaryState(stable.metadata?.annotations);
  const leftovers = await cluster.list('apps/v1', 'Deployment', namespace, selectorString({ [LABEL_CANARY_OF]: deployment }));
  if (!state && leftovers.length === 0) {
    await restoreCapacityHolds(cluster, namespace, deployment, log); // a raise left by a run stopped between its steps
    log(`No canary in progress for ${namespace}/${deployment}: stable already serves all traffic; nothing to roll back.`);
    return { rolledBack: false, podsLeft: 0 };
  }
  if (state) {
    if (promotionLanded(stable, state)) {
      const progress = decodeProgress(stable.metadata?.annotations);
      throw new PromotionUnderWay(
        `A promotion already moved stable ${namespace}/${deployment} to the canary's image ${state.canaryImage}${progress ? ` (${describeProgress(progress)})` : ''}: a canary rollback cannot take that back, and nothing was changed. Re-run promote to complete the promotion, or roll back with \`mode: revision\` (or \`auto\`) to return to ${state.stableImage}.`,
      );
    }
    const runs = stableRuns(stable, state);
    log(`Rolling back canary ${describeCanary(state)}; stable ${deployment} runs ${runs}.`);
    if (decodeProgress(stable.metadata?.annotations)?.step !== 'rollback') {
      await cluster.mergePatch(stableRef, {
        metadata: { annotations: encodeProgress({ step: 'rollback', stage: 'started', at: new Date().toISOString(), by: record?.by, reason: record?.reason }) },
      });
    }
    const podsLeft = await takeDown(cluster, namespace, deployment, state, log);
    await finish(cluster, stableRef, state.canaryImage, runs, record);
    log(`Removed ${[state.canary, state.baseline].filter(Boolean).join(' and ')}${podsLeft ? ` (${podsLeft} pods still terminating)` : ''}; state cleared.`);
    return { rolledBack: true, fromImage: state.canaryImage, toImage: runs, podsLeft };
  }
  log(`No canary state recorded, but ${leftovers.map((d) => d.metadata?.name).join(', ')} left behind: removing.`);
  const podsLeft = await removeTrackWorkloads(cluster, namespace, deployment);
  await restoreCapacityHolds(cluster, namespace, deployment, log);
  await finish(cluster, stableRef, undefined, undefined, record);
  return { rolledBack: true, podsLeft };
}

/**
 * What a canary or its promotion held for capacity, given back: the autoscaler's own minimum (./autoscaler.ts)
 * and the stable Deployment's own rolling-update strategy (./rollout-strategy.ts). Idempotent.
 */
export async function restoreCapacityHolds(cluster: Cluster, namespace: string, deployment: string, log: Log): Promise<void> {
  await restoreAutoscaling(cluster, namespace, deployment, log);
  await restoreRolloutStrategy(cluster, namespace, deployment, log);
}

/**
 * All traffic to stable (the routing's claim removed in the same write), canary and baseline removed, routing
 * cleaned up, and what was held for capacity given back (`restoreCapacityHolds`).
 */
export async function takeDown(cluster: Cluster, namespace: string, deployment: string, state: CanaryState, log: Log): Promise<number> {
  const router = recordedRouter(cluster, namespace, deployment, state);
  await router.reset();
  log(`Traffic: 100% to stable ${deployment} (${state.router.kind}).`);
  const podsLeft = await removeTrackWorkloads(cluster, namespace, deployment);
  await router.cleanup();
  await restoreCapacityHolds(cluster, namespace, deployment, log);
  return podsLeft;
}

async function finish(cluster: Cluster, stableRef: ReturnType<typeof deploymentRef>, from?: string, to?: string, record?: RollbackRecord) {
  const patch = removeAnnotationsPatch([...CANARY_STATE_KEYS, PROGRESS]) as { metadata: { annotations: Record<string, string | null> } };
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
