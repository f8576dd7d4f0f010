import { markdownTable } from '../action/summary.js';
import type { Cluster } from '../k8s/cluster.js';
import { formatDuration } from '../parse/duration.js';
import { describeHolder, describeLease, type Claimant, type Lease } from './lease.js';
import { takeLease } from './lease-cluster.js';
import type { Log } from './load.js';
import { rollbackCanary, type CanaryRollback } from './rollback.js';
import { describeCanary, type CanaryState } from './state.js';

/** An abandoned canary this run took over and rolled back. */
export interface Takeover {
  namespace: string;
  deployment: string;
  /** The canary as it was recorded. */
  canary: CanaryState;
  /** Its lease, expired: whose run it was and since when it was abandoned (`expiresAt`). */
  lease: Lease;
  rollback: CanaryRollback;
}

/**
 * If the canary on `namespace/deployment` is abandoned (another run's lease past its expiry), takes its
 * lease with the check-and-set (of two runs racing, exactly one gets it) and rolls it back with the code
 * auto-rollback uses: all traffic to stable, canary and baseline removed, state and lease cleared.
 * Undefined when there is nothing abandoned there (no canary, no lease, or a lease still valid).
 */
export async function takeOverAbandoned(cluster: Cluster, namespace: string, deployment: string, me: Claimant, durationMs: number, log: Log, by?: string): Promise<Takeover | undefined> {
  const taken = await takeLease(cluster, namespace, deployment, me, { onlyExpired: true, durationMs });
  if (!taken.taken) return undefined;
  const canary = taken.state!;
  const lease = taken.previous!;
  log(`The canary ${describeCanary(canary)} was ${describeLease(lease)}: this run took it over and rolls it back.`);
  const rollback = await rollbackCanary(cluster, namespace, deployment, log, {
    reason: `abandoned canary: the lease of ${describeHolder(lease.holder)} expired at ${lease.expiresAt}`,
    by,
  });
  return { namespace, deployment, canary, lease, rollback };
}

/** One line for a warning: whose run it was, since when abandoned, what was rolled back. */
export function describeTakeover(t: Takeover): string {
  return (
    `Took over the abandoned canary on ${t.namespace}/${t.deployment}: started by ${describeHolder(t.lease.holder)}, ` +
    `abandoned since ${t.lease.expiresAt} (last heartbeat ${t.lease.renewedAt}, ${formatDuration(t.lease.durationMs)} lease). ` +
    `Rolled back ${t.canary.canary} (image ${t.canary.canaryImage}, ${t.canary.weight}% traffic): stable ${t.canary.stableImage} serves all traffic.`
  );
}

/** The job-summary table of abandoned canaries rolled back (canary-deploy's takeover and auto-rollback's sweep). */
export function takeoverSummary(takeovers: Takeover[], title = 'Abandoned canary taken over'): string {
  return (
    `### ${title}\n\n` +
    markdownTable(
      ['Deployment', 'canary rolled back', 'traffic it had', 'started by', 'last heartbeat', 'abandoned since', 'lease'],
      takeovers.map((t) => [
        `${t.namespace}/${t.deployment}`,
        `${t.canary.canary} (${t.canary.canaryImage})`,
        `${t.canary.weight}%`,
        describeHolder(t.lease.holder),
        t.lease.renewedAt,
        t.lease.expiresAt,
        formatDuration(t.lease.durationMs),
      ]),
    ) +
    '\n\nAll their traffic is back on stable; canary and baseline removed.\n\n'
  );
}
