import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { key } from '../k8s/annotations.js';
import { isNotFound } from '../k8s/errors.js';
import { deploymentRef } from '../k8s/objects.js';

/**
 * Promote's rolling update must never take a serving stable pod away before its replacement is ready: with
 * the default `maxUnavailable: 25%`, the stable Deployment drops up to a quarter of its ready pods while it
 * rolls to the canary's image, which the canary's few pods do not make up for. So promote rolls out with
 * `maxUnavailable: 0` (and `maxSurge` at least 1, which the API server requires then), written in the same
 * check-and-set as the new image, with the user's `rollingUpdate` recorded on the Deployment (`ROLLOUT_RESTORE`).
 * Once the rollout is done, and on every other way out (rollback of the promotion, a re-run that completes it),
 * `restoreRolloutStrategy` puts the user's values back and removes the record. A `Recreate` strategy stops
 * every pod before starting new ones: it is never changed (the type is the user's choice), only warned about.
 */
export const ROLLOUT_RESTORE = key('rollout-restore');

type IntOrString = number | string | null | undefined;
interface RollingUpdate {
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
}

/** A percentage of `replicas` as the deployment controller resolves it (surge rounds up, unavailable down). */
function resolve(value: IntOrString, replicas: number, round: 'up' | 'down'): number {
  if (value === undefined || value === null) return resolve('25%', replicas, round);
  if (typeof value === 'number') return value;
  const pct = Number(value.replace('%', '')) / 100;
  return round === 'up' ? Math.ceil(pct * replicas) : Math.floor(pct * replicas);
}

const show = (v: IntOrString) => (v === undefined || v === null ? 'default 25%' : String(v));
const describeRollingUpdate = (r: RollingUpdate | undefined) => `maxUnavailable ${show(r?.maxUnavailable)}, maxSurge ${show(r?.maxSurge)}`;

function recordOf(d: V1Deployment): RollingUpdate | undefined {
  const raw = d.metadata?.annotations?.[ROLLOUT_RESTORE];
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw);
    return r && typeof r === 'object' ? r : undefined;
  } catch {
    return undefined;
  }
}

export type CapacityRollout =
  /** Already keeps every ready pod until its replacement is ready: nothing to change. */
  | { kind: 'keeps' }
  | { kind: 'recreate'; warning: string }
  | { kind: 'changed'; patch: { metadata: { annotations: Record<string, string> }; spec: { strategy: { rollingUpdate: RollingUpdate } } }; message: string };

/**
 * What promote writes, beside the new image, so its rollout to `replicas` never lowers stable's ready pods.
 * A record left by an earlier attempt is kept (it holds the user's values, not ours): a re-run converges.
 */
export function capacityRollout(d: V1Deployment, replicas: number): CapacityRollout {
  const name = `${d.metadata?.namespace}/${d.metadata?.name}`;
  const strategy = d.spec?.strategy;
  if (strategy?.type === 'Recreate') {
    return {
      kind: 'recreate',
      warning:
        `Deployment ${name} uses the Recreate strategy: its rollout to the canary's image stops every stable pod before the new ones start, ` +
        'so stable serves nothing until they are ready (the canary keeps its share meanwhile). ai-deploy does not change a strategy type; ' +
        'switch it to RollingUpdate (maxUnavailable 0) to promote without losing capacity.',
    };
  }
  const live: RollingUpdate = (strategy?.rollingUpdate as RollingUpdate | undefined) ?? {};
  if (resolve(live.maxUnavailable, replicas, 'down') === 0 && resolve(live.maxSurge, replicas, 'up') >= 1) return { kind: 'keeps' };
  const user = recordOf(d) ?? { maxSurge: live.maxSurge ?? null, maxUnavailable: live.maxUnavailable ?? null };
  const maxSurge = resolve(live.maxSurge, replicas, 'up') >= 1 ? live.maxSurge : 1;
  const rollingUpdate = { maxUnavailable: 0, ...(maxSurge !== live.maxSurge ? { maxSurge } : {}) } as RollingUpdate;
  return {
    kind: 'changed',
    patch: { metadata: { annotations: { [ROLLOUT_RESTORE]: JSON.stringify(user) } }, spec: { strategy: { rollingUpdate } } },
    message:
      `Stable ${name} rolls out with maxUnavailable 0, maxSurge ${show(rollingUpdate.maxSurge ?? live.maxSurge)} so no serving pod stops before its replacement is ready ` +
      `(its own ${describeRollingUpdate(user)} is recorded in ${ROLLOUT_RESTORE} and restored after the rollout).`,
  };
}

/**
 * Puts back the `rollingUpdate` recorded by promote and removes the record, in one check-and-set. Only
 * the two fields promote changed are written (a strategy the user switched to Recreate meanwhile keeps its
 * type; the record is just removed). Idempotent: without a record it changes nothing.
 */
export async function restoreRolloutStrategy(cluster: Cluster, namespace: string, deployment: string, log: (m: string) => void): Promise<void> {
  let restored: RollingUpdate | undefined;
  try {
    await cluster.checkAndSet<V1Deployment>(deploymentRef(namespace, deployment), (d) => {
      if (d.metadata?.annotations?.[ROLLOUT_RESTORE] === undefined) return undefined;
      const record = recordOf(d);
      restored = record;
      const annotations = { [ROLLOUT_RESTORE]: null };
      if (!record || d.spec?.strategy?.type === 'Recreate') return { metadata: { annotations } };
      return { metadata: { annotations }, spec: { strategy: { rollingUpdate: { maxSurge: record.maxSurge ?? null, maxUnavailable: record.maxUnavailable ?? null } } } };
    });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  if (restored) log(`Deployment ${namespace}/${deployment}: rollout strategy restored to ${describeRollingUpdate(restored)}.`);
}
