import type { V1Deployment } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors.js';
import type { Cluster } from '../k8s/cluster.js';
import { PROMOTION, ROLLBACK, removeAnnotationsPatch } from '../k8s/annotations.js';
import { findContainer, getDeployment, modelVersionOf, MODEL_VERSION_ENV } from '../k8s/deployment.js';
import { deploymentRef } from '../k8s/objects.js';
import { waitForRollout } from '../k8s/rollout.js';
import { canaryLost, CanaryLost, changedBy, ClaimMismatch, requireCanaryCurrent } from './claim.js';
import { recordedRouter, type Log } from './load.js';
import { decodeProgress, describeProgress, encodeProgress, PROGRESS } from './progress.js';
import { promotionLanded, removeTrackWorkloads, stableRuns } from './rollback.js';
import { holdCapacityForPromote, restoreAutoscaling, type PromoteCapacity } from './autoscaler.js';
import { capacityRollout, restoreRolloutStrategy } from './rollout-strategy.js';
import { CANARY_STATE_KEYS, decodeCanaryState, describeCanary } from './state.js';

export interface Promotion {
  promoted: boolean;
  image: string;
  previousImage?: string;
  modelVersion?: string;
  /** Replica counts before the cut-over and after it (absent when a re-run resumed a promotion under way). */
  capacity?: PromoteCapacity & { stableAfter: number; rollout?: string };
}

/**
 * Makes the canary the stable. Blue-green switches all traffic to the twin first. Then the stable
 * Deployment gets the canary's image and MODEL_VERSION (a strategic merge patch on that container,
 * guarded by resourceVersion and by the canary it was planned from, recording the previous image for a
 * later revision rollback and promote's progress in the same write), its rollout is awaited (with
 * `maxUnavailable: 0` for its duration, see ./rollout-strategy.ts, so stable never has fewer ready pods than
 * before while it holds traffic; an autoscaler's minimum is raised to stable's plus the canary's), all traffic
 * returns to stable, and the canary, baseline and added routing are removed. A re-run after a failure
 * continues: once stable runs the canary's image (the canary possibly deleted already) it completes the
 * clean-up instead of refusing. Run again after it finished, it finds the promotion recorded and changes nothing.
 */
export async function promoteCanary(cluster: Cluster, namespace: string, deployment: string, timeoutMs: number, log: Log, by?: string, warn: Log = log): Promise<Promotion> {
  const stable = await getDeployment(cluster, namespace, deployment);
  const state = decodeCanaryState(stable.metadata?.annotations);
  if (!state) {
    const container = findContainer(stable);
    const promoted = stable.metadata?.annotations?.[PROMOTION.promotedImage];
    const current = container.image ?? '';
    if (promoted && stable.spec?.template?.spec?.containers?.some((c) => c.image === promoted)) {
      log(`No canary in progress; ${namespace}/${deployment} already runs the promoted image ${promoted}. Nothing to do.`);
      return { promoted: false, image: promoted, previousImage: stable.metadata?.annotations?.[PROMOTION.previousImage], modelVersion: modelVersionOf(container) };
    }
    throw new ConfigurationError(`No canary in progress for Deployment ${namespace}/${deployment} (it runs ${current}); run canary-deploy first.`);
  }
  if (state.phase !== 'ready') {
    throw new ConfigurationError(`The canary ${describeCanary(state)} is not ready yet (its canary-deploy did not finish); wait for it or roll it back.`);
  }
  const landed = promotionLanded(stable, state);
  const canary = await cluster.find<V1Deployment>(deploymentRef(namespace, state.canary));
  const progress = decodeProgress(stable.metadata?.annotations);
  if (progress?.step === 'rollback') throw new CanaryLost(`${namespace}/${state.canary}`, `is being changed by ${describeProgress(progress)}`);
  if (!canary && !landed) throw new Error(`The recorded canary ${namespace}/${state.canary} no longer exists and stable still runs ${stableRuns(stable, state)}; roll back (auto-rollback, mode: canary) to clear its state.`);
  const router = recordedRouter(cluster, namespace, deployment, state);
  const stableModelVersion = modelVersionOf(findContainer(stable, state.container));
  let capacity: (PromoteCapacity & { rollout?: string }) | undefined;

  if (landed) {
    log(`Resuming the promotion of ${describeCanary(state)}: stable ${deployment} already runs ${state.canaryImage}${progress ? ` (${describeProgress(progress)})` : ''}.`);
  } else {
    log(`Promoting ${describeCanary(state)}.`);
    if (state.strategy === 'blue-green') {
      await requireCanaryCurrent(cluster, namespace, deployment, state, 'promote');
      await router.setWeight(100).catch(async (error: unknown) => {
        throw error instanceof ClaimMismatch ? await canaryLost(cluster, namespace, deployment, state, 'promote') : error;
      });
      log('Blue-green: all traffic switched to the new version.');
    }
    // Never less serving capacity: with an autoscaler the new stable is brought to what serves now (stable + canary).
    capacity = await holdCapacityForPromote(cluster, namespace, deployment, stable, canary);
    const replicas = capacity.target !== undefined && capacity.target > (stable.spec?.replicas ?? 1) ? { replicas: capacity.target } : {};
    // ... and no serving pod stops before its replacement is ready (maxUnavailable 0 for this rollout, recorded and restored).
    const rollsTo = replicas.replicas ?? stable.spec?.replicas ?? 1;
    const planned = capacityRollout(stable, rollsTo);
    if (planned.kind === 'recreate') warn(planned.warning);
    let rollout: string | undefined;
    const at = new Date().toISOString();
    await cluster
      .checkAndSet<V1Deployment>(
        deploymentRef(namespace, deployment),
        (d) => {
          if (changedBy(d, canary, state, 'promote')) throw new ClaimMismatch('the recorded canary changed');
          const keep = capacityRollout(d, rollsTo);
          rollout = keep.kind === 'changed' ? keep.message : undefined;
          return {
            metadata: {
              annotations: {
                ...(keep.kind === 'changed' ? keep.patch.metadata.annotations : {}),
                [PROMOTION.previousImage]: state.stableImage,
                ...(stableModelVersion ? { [PROMOTION.previousModelVersion]: stableModelVersion } : {}),
                [PROMOTION.promotedImage]: state.canaryImage,
                [PROMOTION.promotedAt]: at,
                ...(by ? { [PROMOTION.promotedBy]: by } : {}),
                ...encodeProgress({ step: 'promote', stage: 'stable-updated', at, by }),
              },
            },
            spec: {
              ...replicas,
              ...(keep.kind === 'changed' ? keep.patch.spec : {}),
              template: {
                spec: {
                  containers: [
                    {
                      name: state.container,
                      image: state.canaryImage,
                      ...(state.modelVersion ? { env: [{ name: MODEL_VERSION_ENV, value: state.modelVersion }] } : {}),
                    },
                  ],
                },
              },
            },
          };
        },
        'strategic',
      )
      .catch(async (error: unknown) => {
        throw error instanceof ClaimMismatch ? await canaryLost(cluster, namespace, deployment, state, 'promote') : error;
      });
    if (rollout) log(rollout);
    capacity.rollout = rollout;
    log(`Stable ${deployment} now runs ${state.canaryImage}; waiting for its rollout.`);
  }
  const rolled = await waitForRollout(cluster, namespace, deployment, timeoutMs, log);
  await restoreRolloutStrategy(cluster, namespace, deployment, log);
  if (capacity) log(`Stable ${deployment}: ${rolled.status?.readyReplicas ?? 0} ready replicas before the canary loses traffic (served before: stable ${capacity.stableBefore} + canary ${capacity.canaryBefore}).`);

  await router.reset();
  await removeTrackWorkloads(cluster, namespace, deployment);
  await router.cleanup();
  await restoreAutoscaling(cluster, namespace, deployment, log);
  await cluster.mergePatch(deploymentRef(namespace, deployment), removeAnnotationsPatch([...CANARY_STATE_KEYS, PROGRESS, ...Object.values(ROLLBACK)]));
  log(`Promoted: all traffic on stable ${deployment} (${state.canaryImage}); canary removed.`);
  const after = capacity && { ...capacity, stableAfter: rolled.status?.readyReplicas ?? 0 };
  return { promoted: true, image: state.canaryImage, previousImage: state.stableImage, modelVersion: state.modelVersion, ...(after ? { capacity: after } : {}) };
}

/** True when a promotion of the recorded canary already moved stable to its image (a re-run resumes it). */
export async function promotionUnderWay(cluster: Cluster, namespace: string, deployment: string): Promise<boolean> {
  const stable = await getDeployment(cluster, namespace, deployment);
  const state = decodeCanaryState(stable.metadata?.annotations);
  return state !== undefined && promotionLanded(stable, state);
}
