import * as core from '@actions/core';
import { errorMessage } from '../../shared/errors.js';
import { getKubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { removeLeftoverHookJobs } from '../../shared/canary/hooks.js';
import { loadCanary } from '../../shared/canary/load.js';
import { rollbackCanary } from '../../shared/canary/rollback.js';
import { canaryStepState, type CanaryStepState } from './step-state.js';
import { runStep } from '../../shared/action/runner.js';
import { currentClaimant } from '../../shared/canary/lease.js';
import { LeaseLost, renewLease } from '../../shared/canary/lease-cluster.js';

/**
 * Runs after the job, also on cancel and failure. A canary whose main step did not finish (cancelled,
 * crashed, killed) is rolled back: all traffic to stable, canary removed. A finished canary is left
 * for the next step; a canary owned by another run is never touched. Hook Jobs the unfinished run
 * left (a cancel during a `pre-traffic` hook) are deleted too.
 */
export function run(): Promise<void> {
  // The typescript-action contract (`@github/local-action --post` calls this): never throws.
  return runStep(cleanUp);
}

async function cleanUp(): Promise<void> {
  const saved = canaryStepState.read();
  if (!saved) {
    core.info('canary-deploy did not change the cluster in this run: nothing to clean up.');
    return;
  }
  const { kubeconfig } = getKubernetesTarget();
  const cluster = await connectCluster(kubeconfig);
  if (saved.finished) {
    await reportFinished(cluster, saved);
    return;
  }
  const canary = await loadCanary(cluster, saved.namespace, saved.deployment);
  if (canary && canary.state.owner !== saved.owner) {
    core.warning(`The canary on ${saved.namespace}/${saved.deployment} now belongs to another run (${canary.state.runUrl ?? canary.state.owner}); not touching it.`);
    return;
  }
  core.warning(`canary-deploy did not finish: restoring stable ${saved.namespace}/${saved.deployment}.`);
  try {
    await rollbackCanary(cluster, saved.namespace, saved.deployment, core.info, { reason: 'canary-deploy was cancelled or failed before finishing', by: currentRunUrl() });
  } catch (error) {
    throw new Error(`Could not restore stable after an unfinished canary-deploy: ${errorMessage(error)}`);
  }
  try {
    const removed = await removeLeftoverHookJobs({ kubeconfig, namespace: saved.namespace, deployment: saved.deployment }, 'pre-traffic');
    if (removed.length) core.info(`Removed hook Jobs left by the unfinished run: ${removed.join(', ')}.`);
  } catch (error) {
    core.warning(`Could not remove leftover pre-traffic hook Jobs of ${saved.namespace}/${saved.deployment}: ${errorMessage(error)}`);
  }
}

/** A finished canary is left alone; a later step (promote, auto-rollback) may have ended it already, so say what the cluster shows. */
async function reportFinished(cluster: Cluster, saved: CanaryStepState): Promise<void> {
  const where = `${saved.namespace}/${saved.deployment}`;
  try {
    const canary = await loadCanary(cluster, saved.namespace, saved.deployment);
    if (!canary) core.info(`Canary for ${where} finished setting up and has ended since (promoted or rolled back): nothing to clean up.`);
    else if (canary.state.owner !== saved.owner) core.info(`Canary for ${where} finished setting up; the canary there now belongs to another run: not touching it.`);
    else {
      core.info(`Canary for ${where} finished setting up; left in place for the next step.`);
      await renewForNextStep(cluster, saved);
    }
  } catch (error) {
    core.warning(`Canary for ${where} finished setting up; could not read its state to report on it: ${errorMessage(error)}`);
  }
}

/**
 * A finished canary's lease is renewed as this job ends, so the next step (monitor-canary in a later job,
 * say) gets a whole lease to pick it up; without a heartbeat after that, it is abandoned and swept.
 * Never another run's lease; a failure here is a warning (the canary is left as it is).
 */
async function renewForNextStep(cluster: Cluster, saved: CanaryStepState): Promise<void> {
  try {
    const lease = await renewLease(cluster, saved.namespace, saved.deployment, currentClaimant(saved.nonce));
    if (lease) core.info(`Its lease runs until ${lease.expiresAt}: the next step must renew it by then, or another run may take the canary over.`);
  } catch (error) {
    if (error instanceof LeaseLost) core.info(`${error.message} Nothing to renew.`);
    else core.warning(`Could not renew the lease of the canary on ${saved.namespace}/${saved.deployment}: ${errorMessage(error)}`);
  }
}
