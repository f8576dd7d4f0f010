import type { V1Deployment } from '@kubernetes/client-node';
import { ConfigurationError } from '../action/errors.js';
import type { Cluster } from '../k8s/cluster.js';
import { PROMOTION, ROLLBACK, removeAnnotationsPatch } from '../k8s/annotations.js';
import { findContainer, getDeployment, modelVersionOf, MODEL_VERSION_ENV } from '../k8s/deployment.js';
import { deploymentRef } from '../k8s/objects.js';
import { waitForRollout } from '../k8s/rollout.js';
import { recordedRouter, type Log } from './load.js';
import { removeTrackWorkloads } from './rollback.js';
import { CANARY_STATE_KEYS, decodeCanaryState, describeCanary } from './state.js';

export interface Promotion {
  promoted: boolean;
  image: string;
  previousImage?: string;
  modelVersion?: string;
}

/**
 * Makes the canary the stable. Blue-green switches all traffic to the twin first. Then the stable
 * Deployment gets the canary's image and MODEL_VERSION (a strategic merge patch on that container,
 * guarded by resourceVersion, recording the previous image for a later revision rollback), its
 * rollout is awaited, all traffic returns to stable, and the canary, baseline and added routing are
 * removed. Run again, it finds the promotion recorded and changes nothing.
 */
export async function promoteCanary(cluster: Cluster, namespace: string, deployment: string, timeoutMs: number, log: Log, by?: string): Promise<Promotion> {
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
  const canary = await cluster.find<V1Deployment>(deploymentRef(namespace, state.canary));
  if (!canary) throw new Error(`The recorded canary ${namespace}/${state.canary} no longer exists; roll back (auto-rollback, mode: canary) to clear its state.`);
  log(`Promoting ${describeCanary(state)}.`);
  const router = recordedRouter(cluster, namespace, deployment, state);
  if (state.strategy === 'blue-green') {
    await router.setWeight(100);
    log('Blue-green: all traffic switched to the new version.');
  }

  const stableModelVersion = modelVersionOf(findContainer(stable, state.container));
  await cluster.checkAndSet<V1Deployment>(
    deploymentRef(namespace, deployment),
    () => ({
      metadata: {
        annotations: {
          [PROMOTION.previousImage]: state.stableImage,
          ...(stableModelVersion ? { [PROMOTION.previousModelVersion]: stableModelVersion } : {}),
          [PROMOTION.promotedImage]: state.canaryImage,
          [PROMOTION.promotedAt]: new Date().toISOString(),
          ...(by ? { [PROMOTION.promotedBy]: by } : {}),
        },
      },
      spec: {
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
    }),
    'strategic',
  );
  log(`Stable ${deployment} now runs ${state.canaryImage}; waiting for its rollout.`);
  await waitForRollout(cluster, namespace, deployment, timeoutMs, log);

  await router.reset();
  await removeTrackWorkloads(cluster, namespace, deployment);
  await router.cleanup();
  await cluster.mergePatch(deploymentRef(namespace, deployment), removeAnnotationsPatch([...CANARY_STATE_KEYS, ...Object.values(ROLLBACK)]));
  log(`Promoted: all traffic on stable ${deployment} (${state.canaryImage}); canary removed.`);
  return { promoted: true, image: state.canaryImage, previousImage: state.stableImage, modelVersion: state.modelVersion };
}
