import * as core from '@actions/core';
import type { V1Deployment } from '@kubernetes/client-node';
import { invalidInput } from '../../shared/errors.js';
import { CanaryLost, changedBy, claimOf } from '../../shared/canary/claim.js';
import { currentClaimant, describeLease, standing } from '../../shared/canary/lease.js';
import { LeaseKeeper, LeaseLost, readLease } from '../../shared/canary/lease-cluster.js';
import { decodeCanaryState, type CanaryState } from '../../shared/canary/state.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { formatDuration } from '../../shared/parse/duration.js';

/**
 * The canary's lease, kept by this run while the analysis runs: checked before anything moves (it must be
 * this run's, and no shorter than `interval`), then renewed at every interval and by a timer at a third of
 * the lease. Undefined for a canary recorded without a lease (started before leases).
 */
export async function keepCanaryLease(cluster: Cluster, namespace: string, deployment: string, intervalMs: number): Promise<LeaseKeeper | undefined> {
  const me = currentClaimant();
  const { lease } = await readLease(cluster, namespace, deployment);
  if (!lease) {
    core.info(`The canary on ${namespace}/${deployment} has no lease (started before leases): nothing to renew.`);
    return undefined;
  }
  if (standing(lease, me) !== 'mine') {
    throw new LeaseLost(`The canary on ${namespace}/${deployment} is not this run's: ${describeLease(lease)}. monitor-canary changed nothing.`);
  }
  if (intervalMs > lease.durationMs) {
    throw invalidInput(
      'interval',
      formatDuration(intervalMs),
      `a duration no longer than the canary's lease (${formatDuration(lease.durationMs)}, canary-deploy's \`lease\`): the lease must outlast an interval. Shorten \`interval\` or give canary-deploy a longer \`lease\``,
    );
  }
  const keeper = new LeaseKeeper(cluster, namespace, deployment, me, core.info, core.warning);
  const renewed = await keeper.renew();
  core.info(`This run holds the canary's lease (${formatDuration(lease.durationMs)}), now until ${renewed?.expiresAt}.`);
  keeper.start(lease.durationMs / 3); // and at every interval, from the analysis loop
  return keeper;
}

/** What monitor-canary says when its canary was taken from it: it stopped, and changed nothing. */
export function leaseLostMessage(lost: LeaseLost): string {
  return `${lost.message.replace(/ monitor-canary changed nothing\.$/, '')} monitor-canary stopped and changed nothing: the canary's traffic is no longer this run's to move.`;
}

/**
 * Why this run's canary is no longer its own, once its lease was lost mid-analysis. A canary rolled back,
 * promoted, deleted or being changed by another step is described from its records, as a traffic write
 * would find it (auto-rollback and promote take the lease before they act); one taken over or replaced by
 * another run's canary, or whose records say nothing yet, by the run that holds the lease now.
 */
export async function lostLeaseReason(cluster: Cluster, namespace: string, deployment: string, planned: CanaryState, lost: LeaseLost): Promise<string> {
  const found = await Promise.all([
    cluster.find<V1Deployment>(deploymentRef(namespace, deployment)),
    cluster.find<V1Deployment>(deploymentRef(namespace, planned.canary)),
  ]).catch(() => undefined); // the API server unreachable: the lease says enough
  if (found) {
    const [stable, canary] = found;
    const now = decodeCanaryState(stable?.metadata?.annotations);
    const who = changedBy(stable, canary, planned);
    if (who && !(now && claimOf(now) !== claimOf(planned))) return new CanaryLost(`${namespace}/${planned.canary}`, who).message;
  }
  return leaseLostMessage(lost);
}
