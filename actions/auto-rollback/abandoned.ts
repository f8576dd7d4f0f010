import * as core from '@actions/core';
import type { V1Deployment } from '@kubernetes/client-node';
import { errorMessage } from '../../shared/errors.js';
import { LABEL_CANARY_OF } from '../../shared/k8s/annotations.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { getDeployment } from '../../shared/k8s/deployment.js';
import { currentClaimant, decodeLease, DEFAULT_LEASE_MS, describeLease } from '../../shared/canary/lease.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { takeOverAbandoned, type Takeover } from '../../shared/canary/takeover.js';
import type { Inputs } from './inputs.js';

/**
 * `mode: abandoned`: rolls back the canary of `deployment` only if it is abandoned (its lease expired
 * without a heartbeat), else says why not and changes nothing; with `deployment` empty, does so for every
 * Deployment of `namespace` that carries a canary. Each is taken with the lease's check-and-set, so a
 * sweeper racing a canary-deploy (or another sweeper) for the same canary never both roll it back and
 * restart it. A failure on one Deployment does not stop the sweep; the step fails at the end naming it.
 */
export async function rollBackAbandoned(cluster: Cluster, inputs: Inputs, runUrl: string | undefined): Promise<Takeover[]> {
  const { namespace } = inputs;
  const candidates = inputs.deployment
    ? [await getDeployment(cluster, namespace, inputs.deployment)]
    : // A canary's own Deployments carry its state too: the stable one, which holds the lease, is the one to judge.
      (await cluster.list<V1Deployment>('apps/v1', 'Deployment', namespace)).filter((d) => !d.metadata?.labels?.[LABEL_CANARY_OF]);
  const me = currentClaimant();
  const swept: Takeover[] = [];
  const failed: string[] = [];
  for (const d of candidates) {
    const name = d.metadata!.name!;
    const annotations = d.metadata?.annotations;
    const state = decodeCanaryState(annotations);
    const lease = decodeLease(annotations);
    if (!state || !lease) {
      if (inputs.deployment || state) core.info(notAbandoned(`${namespace}/${name}`, state !== undefined));
      continue;
    }
    try {
      const taken = await takeOverAbandoned(cluster, namespace, name, me, DEFAULT_LEASE_MS, core.info, runUrl);
      if (taken) swept.push(taken);
      else core.info(`The canary on ${namespace}/${name} is not abandoned (${describeLease(lease)}): nothing rolled back.`);
    } catch (error) {
      failed.push(`${namespace}/${name}: ${errorMessage(error)}`);
    }
  }
  if (!inputs.deployment) core.info(`Swept ${namespace}: ${swept.length} abandoned canar${swept.length === 1 ? 'y' : 'ies'} rolled back.`);
  if (failed.length) throw new Error(`Could not roll back ${failed.length} abandoned canar${failed.length === 1 ? 'y' : 'ies'} (${swept.length} rolled back): ${failed.join('; ')}`);
  return swept;
}

function notAbandoned(target: string, hasCanary: boolean): string {
  return hasCanary
    ? `The canary on ${target} has no lease (started before leases): it is never judged abandoned; roll it back with \`mode: canary\`.`
    : `No canary in progress on ${target}: nothing abandoned, nothing rolled back.`;
}
