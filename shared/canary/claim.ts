import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster, KubeObject } from '../k8s/cluster.js';
import { key, PROMOTION, ROLLBACK } from '../k8s/annotations.js';
import { deploymentRef } from '../k8s/objects.js';
import { decodeProgress, describeProgress, type ProgressStep } from './progress.js';
import { decodeCanaryState, type CanaryState } from './state.js';

/**
 * Which canary a routing object (the user's route, the canary Ingress, the canary Deployment) carries
 * traffic for: `{"<stable deployment>": "<claim>"}` in one annotation, so one route can serve several
 * Deployments. canary-deploy stamps it when it sets the routing up; a rollback removes it in the same
 * write that takes the canary's traffic away. Every write that gives a canary traffic is a check-and-set
 * (resourceVersion) on the routing object that requires the claim it was planned with: once a rollback,
 * promotion or takeover has written, a late traffic write fails instead of giving traffic back.
 */
export const TRAFFIC_CLAIMS = key('traffic-claims');

/** The claim of a recorded canary: its owner run and start (a takeover or a new canary changes it). */
export const claimOf = (s: Pick<CanaryState, 'owner' | 'startedAt'>): string => `${s.owner}@${s.startedAt}`;

function claims(obj: KubeObject | undefined): Record<string, string> {
  try {
    const parsed = JSON.parse(obj?.metadata?.annotations?.[TRAFFIC_CLAIMS] ?? '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/** The claim the object carries for `deployment`'s canary. */
export const claimOnObject = (obj: KubeObject | undefined, deployment: string): string | undefined => claims(obj)[deployment];

/** The annotations value with `deployment`'s claim set (or removed with undefined); null when none is left. */
export function claimsWith(obj: KubeObject | undefined, deployment: string, claim: string | undefined): string | null {
  const next = { ...claims(obj) };
  if (claim === undefined) delete next[deployment];
  else next[deployment] = claim;
  return Object.keys(next).length ? JSON.stringify(next) : null;
}

/** Sets (or removes) `deployment`'s claim on an object read from the cluster, in place. */
export function stampClaim(obj: KubeObject, deployment: string, claim: string | undefined): void {
  const value = claimsWith(obj, deployment, claim);
  const annotations = { ...obj.metadata?.annotations };
  if (value === null) delete annotations[TRAFFIC_CLAIMS];
  else annotations[TRAFFIC_CLAIMS] = value;
  obj.metadata = { ...obj.metadata, annotations };
}

/**
 * The canary changed under a step (rolled back, promoted, taken over, deleted): the step changes nothing
 * more. `who` says what happened and who did it.
 */
export class CanaryLost extends Error {
  override name = 'CanaryLost';
  constructor(
    readonly canary: string,
    readonly who: string,
  ) {
    super(`The canary ${canary} ${who}; this step changed nothing more.`);
  }
}

/** Thrown inside a check-and-set's decision; turned into a `CanaryLost` naming who changed it. */
export class ClaimMismatch extends Error {
  override name = 'ClaimMismatch';
}

/**
 * Why the canary planned as `expected` is no longer the one to write for, or undefined when it still is:
 * read from the stable Deployment (state, progress, rollback and promotion records) and the canary's
 * Deployment. `self` is the step asking (its own progress is no obstacle).
 */
export function changedBy(stable: V1Deployment | undefined, canaryDeployment: V1Deployment | undefined, expected: CanaryState, self?: ProgressStep): string | undefined {
  const a = stable?.metadata?.annotations ?? {};
  if (!stable) return `is gone with its stable Deployment`;
  const now = decodeCanaryState(a);
  if (!now) {
    if (a[ROLLBACK.at] && a[ROLLBACK.at] >= expected.startedAt) {
      return `was rolled back${a[ROLLBACK.by] ? ` by ${a[ROLLBACK.by]}` : ''} at ${a[ROLLBACK.at]}${a[ROLLBACK.reason] ? ` (${a[ROLLBACK.reason]})` : ''}`;
    }
    if (a[PROMOTION.promotedAt] && a[PROMOTION.promotedAt] >= expected.startedAt) {
      return `was promoted${a[PROMOTION.promotedBy] ? ` by ${a[PROMOTION.promotedBy]}` : ''} at ${a[PROMOTION.promotedAt]}`;
    }
    return `is no longer recorded on ${stable.metadata?.name} (its state was removed)`;
  }
  if (claimOf(now) !== claimOf(expected)) {
    return now.startedAt === expected.startedAt
      ? `was taken over by ${now.runUrl ?? `run ${now.owner}`}`
      : `was replaced by another canary started ${now.startedAt}${now.runUrl ? ` by ${now.runUrl}` : ''}`;
  }
  const progress = decodeProgress(a);
  if (progress && progress.step !== self && progress.step !== 'canary-deploy') return `is being changed by ${describeProgress(progress)}`;
  if (!canaryDeployment || canaryDeployment.metadata?.deletionTimestamp) return `has no Deployment ${expected.canary} any more (deleted)`;
  return undefined;
}

/** Reads the stable and canary Deployments and says who changed the canary (undefined: nobody). */
export async function whoChangedCanary(cluster: Cluster, namespace: string, deployment: string, expected: CanaryState, self?: ProgressStep): Promise<string | undefined> {
  const [stable, canary] = await Promise.all([
    cluster.find<V1Deployment>(deploymentRef(namespace, deployment)),
    cluster.find<V1Deployment>(deploymentRef(namespace, expected.canary)),
  ]);
  return changedBy(stable, canary, expected, self);
}

/** Throws `CanaryLost` unless the canary planned as `expected` is still recorded, still the same, and its Deployment exists. */
export async function requireCanaryCurrent(cluster: Cluster, namespace: string, deployment: string, expected: CanaryState, self?: ProgressStep): Promise<void> {
  const who = await whoChangedCanary(cluster, namespace, deployment, expected, self);
  if (who) throw new CanaryLost(`${namespace}/${expected.canary}`, who);
}

/** The `CanaryLost` for a claim found missing on a routing object: who changed it, as the records say. */
export async function canaryLost(cluster: Cluster, namespace: string, deployment: string, expected: CanaryState, self?: ProgressStep): Promise<CanaryLost> {
  const who = await whoChangedCanary(cluster, namespace, deployment, expected, self).catch(() => undefined);
  return new CanaryLost(`${namespace}/${expected.canary}`, who ?? `no longer carries this step's claim on its routing (changed by another step)`);
}
