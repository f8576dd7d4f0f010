import * as core from '@actions/core';
import { errorMessage } from '../../shared/action/errors.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary, escapeMarkdown } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { restoreStable } from '../../shared/canary/restore.js';
import { requirePassed } from '../../shared/hooks/index.js';
import { postWebhook } from '../../shared/notify/webhook.js';
import { runPostRollbackHooks } from './hooks.js';
import { getInputs, type Inputs } from './inputs.js';
import { checkStillWatched, watchRelease, type WatchOutcome } from './watch.js';

/**
 * auto-rollback: rolls back at once, or with `watch` watches a released Deployment and rolls it back only
 * when its metrics breach. A watch ends `pass` (step succeeds), `fail` (rolled back, then the step fails:
 * the release was bad) or `inconclusive` (nothing rolled back, and the step fails: no evidence is not
 * health). `post-rollback` hook failures fail the step only after the rollback is done.
 */
/** `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here. */
export async function run(inputs: Inputs = getInputs()): Promise<void> {
  const cluster = await connectCluster(inputs.kubeconfig);
  const runUrl = currentRunUrl();
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
        mode: inputs.mode,
        timeoutMs: inputs.timeout,
        record: { reason, by: runUrl },
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
  if (watched) core.setFailed(`The release breached its bounds during the watch and was rolled back from ${result.fromImage} to ${result.toImage}: ${watched.result.reason}`);
  if (hooks) requirePassed(hooks); // the rollback stands; the step fails naming the hook
}
