import * as core from '@actions/core';
import { errorMessage } from '../../shared/errors.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary, escapeMarkdown } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { currentClaimant } from '../../shared/canary/lease.js';
import { restoreStable, type Restored } from '../../shared/canary/restore.js';
import { takeoverSummary } from '../../shared/canary/takeover.js';
import { requirePassed } from '../../shared/hooks/index.js';
import { postWebhook } from '../../shared/notify/webhook.js';
import { rollBackAbandoned } from './abandoned.js';
import { runPostRollbackHooks } from './hooks.js';
import { getInputs, type Inputs } from './inputs.js';
import { checkStillWatched, watchRelease, type WatchOutcome } from './watch.js';
import { runStep } from '../../shared/action/runner.js';

/**
 * auto-rollback: rolls back at once, or with `watch` watches a released Deployment and rolls it back only
 * when its metrics breach. A watch ends `pass` (step succeeds), `fail` (rolled back, then the step fails:
 * the release was bad) or `inconclusive` (nothing rolled back, and the step fails: no evidence is not
 * health). `post-rollback` hook failures fail the step only after the rollback is done.
 */
export function run(inputs?: Inputs): Promise<void> {
  // The typescript-action contract (`@github/local-action` calls this): never throws, failures end in core.setFailed.
  // `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here.
  return runStep(async () => rollBack(inputs ?? getInputs()));
}

async function rollBack(inputs: Inputs): Promise<void> {
  const cluster = await connectCluster(inputs.kubeconfig);
  const runUrl = currentRunUrl();
  if (inputs.mode === 'abandoned') return abandoned(cluster, inputs, runUrl);
  const mode = inputs.mode;
  let watched: WatchOutcome | undefined;
  if (inputs.watch) {
    watched = await watchRelease(cluster, inputs);
    const { verdict, reason } = watched.result;
    setOutputs({ verdict, reason });
    if (verdict !== 'fail') {
      setOutputs({ 'rolled-back': false, 'from-image': '', 'to-image': '' });
      if (verdict === 'pass') core.info(`The release held its bounds for the whole watch: not rolled back.`);
      else core.setFailed(`Watch inconclusive, nothing rolled back${watched.result.noData ? ' (no data for the released version)' : ''}: ${reason}`);
      return;
    }
    await checkStillWatched(cluster, inputs, watched.release);
  }
  const reason = watched ? `${inputs.reason}: ${watched.result.reason}` : inputs.reason;
  const result = await phase('Rollback', () =>
    restoreStable(
      cluster,
      {
        namespace: inputs.namespace,
        deployment: inputs.deployment,
        container: inputs.container,
        mode,
        timeoutMs: inputs.timeout,
        record: { reason, by: runUrl },
        claimant: currentClaimant(),
      },
      core.info,
    ),
  );
  setOutputs({
    'rolled-back': result.rolledBack,
    'from-image': result.fromImage ?? '',
    'to-image': result.toImage ?? '',
  });
  const target = `${inputs.namespace}/${inputs.deployment}`;
  if (!result.rolledBack) {
    core.info(`Nothing rolled back on ${target}: it is already in the state a rollback leads to.`);
    return;
  }
  const what = `Rolled back ${target} (${result.mode})${result.fromImage ? ` from ${result.fromImage}` : ''}${result.toImage ? ` to ${result.toImage}` : ''}: ${reason}`;
  await appendSummary(`### ${escapeMarkdown(what)}\n`);
  if (watched) core.setFailed(`The release breached its bounds during the watch and was rolled back from ${result.fromImage} to ${result.toImage}: ${watched.result.reason}`);
  await afterRollback(cluster, inputs, what, runUrl);
}

/**
 * `mode: abandoned`: only canaries whose lease expired are rolled back (one Deployment, or a sweep of the
 * namespace); one whose owner still renews its lease is left alone, and the step succeeds saying why.
 */
async function abandoned(cluster: Cluster, inputs: Inputs, runUrl: string | undefined): Promise<void> {
  const swept = await phase('Abandoned canaries', () => rollBackAbandoned(cluster, inputs, runUrl));
  const one: Partial<Restored> = inputs.deployment && swept[0] ? { fromImage: swept[0].canary.canaryImage, toImage: swept[0].canary.stableImage } : {};
  setOutputs({ 'rolled-back': swept.length > 0, swept: swept.length, 'from-image': one.fromImage ?? '', 'to-image': one.toImage ?? '' });
  if (!swept.length) return;
  const where = inputs.deployment ? `${inputs.namespace}/${inputs.deployment}` : `${swept.length} Deployment(s) in ${inputs.namespace}`;
  await appendSummary(takeoverSummary(swept, `Abandoned canaries rolled back: ${where}`));
  const list = swept.map((t) => `${t.namespace}/${t.deployment} (${t.canary.canaryImage}, abandoned since ${t.lease.expiresAt})`).join(', ');
  await afterRollback(cluster, inputs, `Rolled back abandoned canaries: ${list}`, runUrl);
}

/** After a rollback: `post-rollback` hooks, the webhook notice, the GitHub deployment status. */
async function afterRollback(cluster: Cluster, inputs: Inputs, what: string, runUrl: string | undefined): Promise<void> {
  const hooks = await runPostRollbackHooks(inputs, cluster);
  if (inputs['notify-webhook']) {
    const sent = await phase('Notify', () => postWebhook(inputs['notify-webhook']!, { text: `:rewind: ${what}${runUrl ? ` (<${runUrl}|run>)` : ''}` }));
    if (!sent.ok) core.warning(`Could not post the rollback notice: ${sent.error}.`);
  }
  if (inputs['github-token']) {
    try {
      const { reportForCurrentRun } = await import('../../shared/github/deployment-status.js');
      await reportForCurrentRun(inputs['github-token'], inputs.environment, 'failure', what, runUrl);
    } catch (error) {
      core.warning(`Could not report the rollback to GitHub: ${errorMessage(error)}`);
    }
  }
  if (hooks) requirePassed(hooks); // the rollback stands; the step fails naming the hook
}
