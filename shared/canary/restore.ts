import type { Cluster } from '../k8s/cluster.js';
import { getDeployment } from '../k8s/deployment.js';
import { removeAnnotationsPatch } from '../k8s/annotations.js';
import { deploymentRef } from '../k8s/objects.js';
import { PROGRESS } from './progress.js';
import { CANARY_STATE_KEYS, decodeCanaryState } from './state.js';
import type { Log } from './load.js';
import { DEFAULT_LEASE_MS, type Claimant } from './lease.js';
import { takeLease } from './lease-cluster.js';
import { promotionLanded, rollbackCanary, takeDown, type RollbackRecord } from './rollback.js';
import { rollbackRevision } from './revision.js';

export interface RestoreRequest {
  namespace: string;
  deployment: string;
  container?: string;
  /** `auto` picks `canary` when a canary is recorded on the Deployment, else `revision`. */
  mode: 'canary' | 'revision' | 'auto';
  timeoutMs: number;
  record: RollbackRecord;
  /** This run: it takes the canary's lease before rolling back, so no takeover starts under the rollback. */
  claimant?: Claimant;
}

export interface Restored {
  mode: 'canary' | 'revision';
  rolledBack: boolean;
  fromImage?: string;
  toImage?: string;
}

/** auto-rollback's decision: undo the canary in progress, or the Deployment's last revision. */
export async function restoreStable(cluster: Cluster, r: RestoreRequest, log: Log): Promise<Restored> {
  const stable = await getDeployment(cluster, r.namespace, r.deployment);
  const state = decodeCanaryState(stable.metadata?.annotations);
  // A promotion that stopped half way already moved stable to the canary's image: undoing it is a revision rollback.
  const landed = state !== undefined && promotionLanded(stable, state);
  const mode = r.mode !== 'auto' ? r.mode : state && !landed ? 'canary' : 'revision';
  if (r.mode === 'auto') {
    log(
      `mode auto: ${
        mode === 'canary'
          ? 'a canary is in progress, rolling it back'
          : landed
            ? `a promotion already moved stable to ${state!.canaryImage}; clearing what is left of its canary and rolling back to the previous revision`
            : 'no canary in progress, rolling back to the previous revision'
      }.`,
    );
  }
  if (mode === 'revision' && state && landed) {
    await takeDown(cluster, r.namespace, r.deployment, state, log);
    await cluster.mergePatch(deploymentRef(r.namespace, r.deployment), removeAnnotationsPatch([...CANARY_STATE_KEYS, PROGRESS]));
  }
  if (mode === 'canary') {
    if (r.claimant) await takeLease(cluster, r.namespace, r.deployment, r.claimant, { onlyExpired: false, durationMs: DEFAULT_LEASE_MS });
    const result = await rollbackCanary(cluster, r.namespace, r.deployment, log, r.record);
    return { mode, rolledBack: result.rolledBack, fromImage: result.fromImage, toImage: result.toImage };
  }
  return { mode, ...(await rollbackRevision(cluster, r.namespace, r.deployment, r.container, r.timeoutMs, log, r.record)) };
}
