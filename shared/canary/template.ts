import type { V1Deployment } from '@kubernetes/client-node';
import { LABEL_CANARY_OF, LABEL_TRACK } from '../k8s/annotations.js';
import { findContainer, setContainerVersion } from '../k8s/deployment.js';
import { trackSelector } from '../traffic/services.js';
import { GITOPS_ANNOTATIONS, withoutTracking } from './gitops.js';

export type Track = 'canary' | 'baseline';

export interface TrackSpec {
  track: Track;
  name: string;
  replicas: number;
  container: string;
  /** Canary only: the new image and/or model version; a baseline runs the stable version. */
  image?: string;
  modelVersion?: string;
  /** Pod label keys whose stable values the track's pods must not carry (see PreparedRoute). */
  isolatedLabelKeys: string[];
  annotations: Record<string, string>;
}

/** `app: model` becomes `app: model-canary`: still readable, no longer selected by the stable Service. */
export function isolatedValue(value: string, track: Track): string {
  const suffix = `-${track}`;
  return `${value.slice(0, 63 - suffix.length).replace(/[-_.]+$/, '')}${suffix}`;
}

/**
 * The Deployment of a canary or baseline: the stable pod template (with the canary's new image and
 * `MODEL_VERSION`), pods labelled with the track and the stable Deployment's name, selected by those
 * labels only, so the stable Deployment never adopts them.
 */
export function trackDeployment(stable: V1Deployment, spec: TrackSpec): V1Deployment {
  const template = structuredClone(stable.spec!.template);
  const labels: Record<string, string> = { ...template.metadata?.labels };
  for (const k of spec.isolatedLabelKeys) if (labels[k] !== undefined) labels[k] = isolatedValue(labels[k], spec.track);
  Object.assign(labels, trackSelector(stable.metadata!.name!, spec.track));
  template.metadata = { ...template.metadata, labels };
  setContainerVersion(findContainer({ ...stable, spec: { ...stable.spec!, template } }, spec.container), spec.image, spec.modelVersion);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: spec.name,
      namespace: stable.metadata!.namespace,
      // Never the stable object's GitOps tracking labels: Argo CD or Flux would count the track as theirs (and prune it).
      labels: { ...withoutTracking(stable.metadata?.labels), [LABEL_CANARY_OF]: stable.metadata!.name!, [LABEL_TRACK]: spec.track },
      annotations: { ...GITOPS_ANNOTATIONS, ...spec.annotations },
    },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: trackSelector(stable.metadata!.name!, spec.track) },
      template,
      ...(stable.spec?.minReadySeconds !== undefined ? { minReadySeconds: stable.spec.minReadySeconds } : {}),
      ...(stable.spec?.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: stable.spec.progressDeadlineSeconds } : {}),
      revisionHistoryLimit: 1,
    },
  };
}
