import type { V1Container, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors.js';
import { PROMOTION } from '../k8s/annotations.js';
import type { Cluster } from '../k8s/cluster.js';
import { findContainer, getDeployment, modelVersionOf } from '../k8s/deployment.js';
import { selectorString } from '../k8s/objects.js';
import { previousRevision } from './revision.js';
import { decodeCanaryState, describeCanary } from './state.js';

/** One version of the watched container: its image, and the name `{{target}}` becomes for it by default. */
export interface WatchedVersion {
  image: string;
  modelVersion?: string;
  /** `MODEL_VERSION` when set, else the image tag (or digest), else the whole image. */
  name: string;
}

/** A released Deployment under watch: the version it runs now, and the one a revision rollback goes back to. */
export interface ReleaseUnderWatch {
  current: WatchedVersion;
  previous: WatchedVersion;
}

/** The version label a release is usually known by in metrics: the model version, else the image tag. */
export function versionName(image: string, modelVersion?: string): string {
  if (modelVersion) return modelVersion;
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : image;
}

const versionOf = (c: V1Container): WatchedVersion => {
  const image = c.image ?? '';
  const modelVersion = modelVersionOf(c);
  return { image, modelVersion, name: versionName(image, modelVersion) };
};

/**
 * Reads what a watch after a release judges and what it would roll back to, before any waiting:
 * a canary in progress is monitor-canary's to judge, and a Deployment with no previous revision (no
 * earlier ReplicaSet, nothing recorded by promote) has nothing to roll back to; both fail now, not
 * after the watch.
 */
export async function releaseUnderWatch(cluster: Cluster, namespace: string, deployment: string, container?: string): Promise<ReleaseUnderWatch> {
  const d: V1Deployment = await getDeployment(cluster, namespace, deployment);
  const canary = decodeCanaryState(d.metadata?.annotations);
  if (canary) {
    throw new ConfigurationError(
      `A canary is in progress on ${namespace}/${deployment}: ${describeCanary(canary)}. \`watch\` judges a released Deployment; judge a canary with monitor-canary, or roll it back without \`watch\`.`,
    );
  }
  const main = findContainer(d, container);
  const replicaSets = await cluster.list<V1ReplicaSet>('apps/v1', 'ReplicaSet', namespace, selectorString(d.spec?.selector?.matchLabels ?? {}));
  const earlier = previousRevision(d, replicaSets)?.spec?.template?.spec?.containers?.find((c) => c.name === main.name);
  const annotations = d.metadata?.annotations ?? {};
  const previous: WatchedVersion | undefined = earlier
    ? versionOf(earlier)
    : annotations[PROMOTION.previousImage]
      ? { image: annotations[PROMOTION.previousImage], modelVersion: annotations[PROMOTION.previousModelVersion], name: versionName(annotations[PROMOTION.previousImage], annotations[PROMOTION.previousModelVersion]) }
      : undefined;
  if (!previous) {
    throw new ConfigurationError(
      `Deployment ${namespace}/${deployment} has no previous revision to roll back to (no earlier ReplicaSet, no image recorded by promote): nothing to watch for.`,
    );
  }
  return { current: versionOf(main), previous };
}
