import * as core from '@actions/core';
import { errorMessage } from '../../shared/action/errors.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { loadCanary } from '../../shared/canary/load.js';
import { promoteCanary } from '../../shared/canary/promote.js';
import { getInputs } from './inputs.js';
import { checkVersion, openRegistry } from './model-registry.js';

export async function run(): Promise<void> {
  const inputs = getInputs();
  const cluster = await connectCluster(inputs.kubeconfig);
  const runUrl = currentRunUrl();

  // Everything the registry needs is checked before the cluster changes.
  const registry = inputs.registry && (await openRegistry(inputs.registry));
  let version: string | undefined;
  if (registry) {
    const recorded = (await loadCanary(cluster, inputs.namespace, inputs.deployment))?.state.modelVersion;
    version = await checkVersion(registry, inputs.model!, inputs.version, recorded);
  }

  const result = await phase('Promote', () => promoteCanary(cluster, inputs.namespace, inputs.deployment, inputs.timeout, core.info, runUrl));
  setOutputs({ image: result.image, 'previous-image': result.previousImage ?? '' });

  if (registry && version) {
    const { changed } = await phase('Model registry', () =>
      registry.promote(inputs.model!, inputs.environment, version!, { promotedBy: runUrl ?? 'ai-deploy promote', note: `${inputs.namespace}/${inputs.deployment} runs ${result.image}` }),
    );
    core.info(changed ? `Registry: ${inputs.model} ${version} is now '${inputs.environment}'.` : `Registry: '${inputs.environment}' already points at ${inputs.model} ${version}.`);
  }
  if (inputs['image-tag']) {
    const tagged = await phase('Image tag', async () => {
      const [{ retagImage }, { credentialsFromAuthConfig }, { parseImageReference }] = await Promise.all([
        import('../../shared/image/retag.js'),
        import('../../shared/image/credentials.js'),
        import('../../shared/image/reference.js'),
      ]);
      const registryHost = parseImageReference(result.image).registry;
      return retagImage({ source: result.image, tag: inputs['image-tag']!, credentials: credentialsFromAuthConfig(registryHost) });
    });
    core.info(tagged.changed ? `Tagged ${tagged.reference} -> ${tagged.digest}.` : `${tagged.reference} already names ${tagged.digest}.`);
  }
  if (inputs['github-token']) {
    try {
      const { reportForCurrentRun } = await import('../../shared/github/deployment-status.js');
      await reportForCurrentRun(inputs['github-token'], inputs.environment, 'success', `Promoted ${result.image} on ${inputs.namespace}/${inputs.deployment}`, runUrl);
    } catch (error) {
      core.warning(`Could not report the promotion to GitHub: ${errorMessage(error)}`);
    }
  }
  await appendSummary(
    `### ${result.promoted ? 'Promoted' : 'Already promoted'}: ${inputs.namespace}/${inputs.deployment}\n\n` +
      `Now running \`${result.image}\`${result.previousImage ? ` (was \`${result.previousImage}\`)` : ''}.\n`,
  );
}
