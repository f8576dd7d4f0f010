import * as core from '@actions/core';
import { errorMessage } from '../../shared/action/errors.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { restoreStable } from '../../shared/canary/restore.js';
import { postWebhook } from '../../shared/notify/webhook.js';
import { getInputs } from './inputs.js';

export async function run(): Promise<void> {
  const inputs = getInputs();
  if (inputs.watch !== undefined) {
    // Inputs are checked above; the watch loop needs the shared analysis engine, not wired here yet.
    throw new Error('auto-rollback: `watch` with `metrics` is not built yet in this version of ai-deploy (the inputs are valid); nothing was changed. Use it without `watch` to roll back at once.');
  }
  const cluster = await connectCluster(inputs.kubeconfig);
  const runUrl = currentRunUrl();
  const result = await phase('Rollback', () =>
    restoreStable(
      cluster,
      {
        namespace: inputs.namespace,
        deployment: inputs.deployment,
        container: inputs.container,
        mode: inputs.mode,
        timeoutMs: inputs.timeout,
        record: { reason: inputs.reason, by: runUrl },
      },
      core.info,
    ),
  );
  setOutputs({ 'rolled-back': result.rolledBack, 'from-image': result.fromImage ?? '', 'to-image': result.toImage ?? '' });
  const target = `${inputs.namespace}/${inputs.deployment}`;
  if (!result.rolledBack) {
    core.info(`Nothing rolled back on ${target}: it is already in the state a rollback leads to.`);
    return;
  }
  const what = `Rolled back ${target} (${result.mode})${result.fromImage ? ` from ${result.fromImage}` : ''}${result.toImage ? ` to ${result.toImage}` : ''}: ${inputs.reason}`;
  await appendSummary(`### ${what}\n`);
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
}
