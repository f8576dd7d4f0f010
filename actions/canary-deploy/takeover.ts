import * as core from '@actions/core';
import { phase } from '../../shared/action/phase.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import type { CanaryPlan } from '../../shared/canary/start.js';
import { describeTakeover, takeOverAbandoned, takeoverSummary } from '../../shared/canary/takeover.js';

/**
 * Before claiming: a canary another run abandoned (its lease expired without a heartbeat) is rolled back
 * first, said in a warning and in the job summary. Returns that summary ('' when there was none).
 */
export async function takeOverAbandonedCanary(cluster: Cluster, plan: CanaryPlan): Promise<string> {
  const { holder, durationMs } = plan.lease!;
  const takeover = await phase('Abandoned canary', () => takeOverAbandoned(cluster, plan.namespace, plan.deployment, holder, durationMs, core.info, plan.runUrl));
  if (!takeover) return '';
  core.warning(describeTakeover(takeover));
  return takeoverSummary([takeover]);
}
