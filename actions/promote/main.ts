import * as core from '@actions/core';
import { errorMessage } from '../../shared/errors.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary, escapeMarkdown, markdownTable } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { runCanaryHooks } from '../../shared/canary/hooks.js';
import { currentClaimant, DEFAULT_LEASE_MS, describeLease, standing } from '../../shared/canary/lease.js';
import { LeaseKeeper, takeLease } from '../../shared/canary/lease-cluster.js';
import { loadCanary } from '../../shared/canary/load.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { promoteCanary, promotionUnderWay, type Promotion } from '../../shared/canary/promote.js';
import { describeCanary } from '../../shared/canary/state.js';
import { hooksSummary } from '../../shared/hooks/summary.js';
import type { StageReport, TemplateValues } from '../../shared/hooks/types.js';
import { getInputs, type Inputs } from './inputs.js';
import { checkVersion, openRegistry } from './model-registry.js';
import { runStep } from '../../shared/action/runner.js';

const hookValues = (image: string, modelVersion?: string): TemplateValues => ({ image, ...(modelVersion ? { 'model-version': modelVersion } : {}) });

/**
 * Order: everything that can refuse (inputs, registry version, `pre-promote` hooks) before the cluster
 * changes; then the cluster, the registry pointer, the image tag, the GitHub status; `post-promote`
 * hooks last (a failure there fails the step, the promotion stands).
 */
export function run(inputs?: Inputs): Promise<void> {
  // The typescript-action contract (`@github/local-action` calls this): never throws, failures end in core.setFailed.
  // `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here.
  return runStep(async () => promoteCanaryStep(inputs ?? getInputs()));
}

async function promoteCanaryStep(inputs: Inputs): Promise<void> {
  const cluster = await connectCluster(inputs.kubeconfig);
  const runUrl = currentRunUrl();
  const reports: StageReport[] = [];
  const canary = await loadCanary(cluster, inputs.namespace, inputs.deployment);
  const promoteNow = () => promoteCanary(cluster, inputs.namespace, inputs.deployment, inputs.timeout, core.info, runUrl, core.warning);
  // Only a ready canary is promoted (and its lease held meanwhile); promoteCanary refuses any other, changing nothing.
  const promoteOnCluster = () => phase('Promote', () => (canary?.state.phase === 'ready' ? withLease(cluster, inputs.namespace, inputs.deployment, promoteNow) : promoteNow()));
  const registry = inputs.registry && (await openRegistry(inputs.registry));
  let result: Promotion;
  let version: string | undefined;
  if (!canary) {
    // Nothing in progress: either already promoted (a re-run, nothing to change) or a clear error.
    result = await promoteOnCluster();
    if (registry) version = await checkVersion(registry, inputs.model!, inputs.version, result.modelVersion);
  } else {
    if (registry) version = await checkVersion(registry, inputs.model!, inputs.version, canary.state.modelVersion);
    // A promotion that stopped half way (stable already runs the canary's image) passed its gate before.
    if (canary.state.phase === 'ready' && !(await promotionUnderWay(cluster, inputs.namespace, inputs.deployment))) {
      const pre = await runCanaryHooks('pre-promote', inputs.hooks, inputs, hookValues(canary.state.canaryImage, canary.state.modelVersion));
      if (pre) reports.push(pre);
      if (pre && !pre.ok) {
        await appendSummary(`### Not promoted: ${inputs.namespace}/${inputs.deployment}\n\n${hooksSummary(reports)}`);
        throw new Error(`${pre.failure}. Nothing was promoted: the canary ${describeCanary(canary.state)} keeps its traffic.`);
      }
    }
    result = await promoteOnCluster();
  }
  setOutputs({ image: result.image, 'previous-image': result.previousImage ?? '' });

  if (registry && version) {
    const { changed } = await phase('Model registry', () =>
      registry.promote(inputs.model!, inputs.environment, version!, { promotedBy: runUrl ?? 'ai-deploy promote', note: `${inputs.namespace}/${inputs.deployment} runs ${result.image}` }),
    );
    core.info(changed ? `Registry: ${inputs.model} ${version} is now '${inputs.environment}'.` : `Registry: '${inputs.environment}' already points at ${inputs.model} ${version}.`);
  }
  if (inputs['image-tag']) await tagImage(result.image, inputs['image-tag']);
  if (inputs['github-token']) await reportToGitHub(inputs, result, runUrl);

  const post = await runCanaryHooks('post-promote', inputs.hooks, inputs, hookValues(result.image, result.modelVersion));
  if (post) reports.push(post);
  await appendSummary(
    `### ${result.promoted ? 'Promoted' : 'Already promoted'}: ${inputs.namespace}/${inputs.deployment}\n\n` +
      `Now running \`${result.image}\`${result.previousImage ? ` (was \`${result.previousImage}\`)` : ''}.\n\n${capacitySummary(result)}${hooksSummary(reports)}`,
  );
  if (post && !post.ok) {
    throw new Error(`${post.failure}. The promotion stands: ${inputs.namespace}/${inputs.deployment} runs ${result.image} (roll back with auto-rollback, mode: revision, if it must not).`);
  }
}

/**
 * Promote holds the canary's lease while it changes the cluster (the stable rollout may take minutes), so
 * no takeover or sweep starts under it; the promotion then clears it with the canary's state.
 */
async function withLease<T>(cluster: Cluster, namespace: string, deployment: string, promote: () => Promise<T>): Promise<T> {
  const me = currentClaimant();
  const { taken, previous } = await takeLease(cluster, namespace, deployment, me, { onlyExpired: false, durationMs: DEFAULT_LEASE_MS });
  if (!taken) return promote(); // no canary in progress: nothing to hold
  if (previous && standing(previous, me) !== 'mine') core.info(`Promote takes over the canary's lease (${describeLease(previous)}).`);
  const keeper = new LeaseKeeper(cluster, namespace, deployment, me, core.info, core.warning);
  keeper.start((previous?.durationMs ?? DEFAULT_LEASE_MS) / 3);
  try {
    return await promote();
  } finally {
    await keeper.stop();
  }
}

async function tagImage(image: string, tag: string): Promise<void> {
  const tagged = await phase('Image tag', async () => {
    const [{ retagImage }, { credentialsFromAuthConfig }, { parseImageReference }] = await Promise.all([
      import('../../shared/image/retag.js'),
      import('../../shared/image/credentials.js'),
      import('../../shared/image/reference.js'),
    ]);
    return retagImage({ source: image, tag, credentials: credentialsFromAuthConfig(parseImageReference(image).registry) });
  });
  core.info(tagged.changed ? `Tagged ${tagged.reference} -> ${tagged.digest}.` : `${tagged.reference} already names ${tagged.digest}.`);
}

async function reportToGitHub(inputs: Inputs, result: Promotion, runUrl: string | undefined): Promise<void> {
  try {
    const { reportForCurrentRun } = await import('../../shared/github/deployment-status.js');
    await reportForCurrentRun(inputs['github-token']!, inputs.environment, 'success', `Promoted ${result.image} on ${inputs.namespace}/${inputs.deployment}`, runUrl);
  } catch (error) {
    core.warning(`Could not report the promotion to GitHub: ${errorMessage(error)}`);
  }
}

/** Ready replicas before the cut-over (stable + canary) and of the new stable after it. */
function capacitySummary(result: Promotion): string {
  const c = result.capacity;
  if (!c) return '';
  return (
    markdownTable(
      ['', 'stable', 'canary', 'total'],
      [
        ['ready replicas before', String(c.stableBefore), String(c.canaryBefore), String(c.stableBefore + c.canaryBefore)],
        ['ready replicas after', String(c.stableAfter), '0', String(c.stableAfter)],
      ],
    ) +
    `\n\n${c.autoscaler ? `${escapeMarkdown(c.autoscaler)} held its minimum at ${c.target} during the cut-over, then got its own minimum back.\n\n` : ''}` +
    (c.rollout ? `${escapeMarkdown(c.rollout)}\n\n` : '')
  );
}
