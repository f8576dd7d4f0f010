import type { Cluster } from '../k8s/cluster.js';
import { getDeployment } from '../k8s/deployment.js';
import { decodeCanaryState } from './state.js';
import type { Log } from './load.js';
import { DEFAULT_LEASE_MS, type Claimant } from './lease.js';
import { takeLease } from './lease-cluster.js';
import { rollbackCanary, type RollbackRecord } from './rollback.js';
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
  const mode = r.mode !== 'auto' ? r.mode : decodeCanaryState(stable.metadata?.annotations) ? 'canary' : 'revision';
  if (r.mode === 'auto') log(`mode auto: ${mode === 'canary' ? 'a canary is in progress, rolling it back' : 'no canary in progress, rolling back to the previous revision'}.`);
  if (mode === 'canary') {
    if (r.claimant) await takeLease(cluster, r.namespace, r.deployment, r.claimant, { onlyExpired: false, durationMs: DEFAULT_LEASE_MS });
    const result = await rollbackCanary(cluster, r.namespace, r.deployment, log, r.record);
    return { mode, rolledBack: result.rolledBack, fromImage: result.fromImage, toImage: result.toImage };
  }
  return { mode, ...(await rollbackRevision(cluster, r.namespace, r.deployment, r.container, r.timeoutMs, log, r.record)) };
}
