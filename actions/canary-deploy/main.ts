import * as core from '@actions/core';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary, markdownTable } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { startCanary } from '../../shared/canary/start.js';
import { getInputs } from './inputs.js';
import { canaryStepState, runOwner } from './step-state.js';

export async function run(): Promise<void> {
  const inputs = getInputs();
  const cluster = await connectCluster(inputs.kubeconfig);
  const owner = runOwner();
  const { state, changed } = await phase('Canary', () =>
    startCanary(
      cluster,
      {
        namespace: inputs.namespace,
        deployment: inputs.deployment,
        container: inputs.container,
        image: inputs.image,
        modelVersion: inputs['model-version'],
        strategy: inputs.strategy,
        router: inputs['traffic-router'],
        route: inputs.route,
        weight: inputs.weight,
        baseline: inputs.baseline,
        timeoutMs: inputs.timeout,
        runUrl: currentRunUrl(),
        owner,
      },
      core.info,
      // From here on the cluster names this run as the owner: a cancel or crash must be cleaned up.
      (claimed) => canaryStepState.save({ namespace: inputs.namespace, deployment: inputs.deployment, owner: claimed.owner, finished: false }),
    ),
  );
  canaryStepState.save({ namespace: inputs.namespace, deployment: inputs.deployment, owner: state.owner, finished: true });
  if (!changed) core.info(`Canary ${state.canary} already runs ${state.canaryImage} at ${state.weight}% traffic: nothing to change.`);
  setOutputs({ canary: state.canary, 'stable-image': state.stableImage, 'canary-image': state.canaryImage, weight: state.weight });
  await appendSummary(
    `### Canary ${changed ? 'started' : 'unchanged'}: ${inputs.namespace}/${state.canary}\n\n` +
      markdownTable(
        ['', 'image', 'model version', 'traffic'],
        [
          ['stable', state.stableImage, '', `${100 - state.weight * (state.baseline ? 2 : 1)}%`],
          ['canary', state.canaryImage, state.modelVersion ?? '', `${state.weight}%`],
          ...(state.baseline ? [['baseline', state.stableImage, '', `${state.weight}%`]] : []),
        ],
      ) +
      `\n\nRouter: \`${state.router.kind}\`${state.router.route ? ` (${state.router.route})` : ''}, strategy \`${state.strategy}\`.\n`,
  );
}
