import * as core from '@actions/core';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary, markdownTable } from '../../shared/action/summary.js';
import { currentRunUrl } from '../../shared/k8s/annotations.js';
import { connectCluster } from '../../shared/k8s/client.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { runCanaryHooks } from '../../shared/canary/hooks.js';
import { currentClaimant, holderFor, newNonce, NONCE_ENV } from '../../shared/canary/lease.js';
import { LeaseKeeper } from '../../shared/canary/lease-cluster.js';
import { rollbackCanary } from '../../shared/canary/rollback.js';
import { rollOutCanary, routeCanaryTraffic, type CanaryPlan, type RolledOutCanary } from '../../shared/canary/start.js';
import type { CanaryState } from '../../shared/canary/state.js';
import { describeTakeover, takeoverSummary } from '../../shared/canary/takeover.js';
import { hooksSummary } from '../../shared/hooks/summary.js';
import { getInputs, type Inputs } from './inputs.js';
import { canaryStepState, runOwner } from './step-state.js';
import { runStep } from '../../shared/action/runner.js';

export function run(inputs?: Inputs): Promise<void> {
  // The typescript-action contract (`@github/local-action` calls this): never throws, failures end in core.setFailed.
  // `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here.
  return runStep(async () => deployCanary(inputs ?? getInputs()));
}

async function deployCanary(inputs: Inputs): Promise<void> {
  const cluster = await connectCluster(inputs.kubeconfig);
  const plan: CanaryPlan = {
    namespace: inputs.namespace,
    deployment: inputs.deployment,
    container: inputs.container,
    image: inputs.image,
    modelVersion: inputs['model-version'],
    strategy: inputs.strategy,
    router: inputs['traffic-router'],
    route: inputs.route,
    match: inputs.match,
    affinity: inputs['session-affinity'] === 'cookie' ? { cookie: inputs['session-cookie-name'], maxAgeSeconds: Math.round(inputs['session-cookie-max-age'] / 1000) } : undefined,
    weight: inputs.weight,
    baseline: inputs.baseline,
    timeoutMs: inputs.timeout,
    runUrl: currentRunUrl(),
    owner: runOwner(),
    holdTraffic: Boolean(inputs.hooks['pre-traffic']?.length),
    lease: { holder: holderFor(currentClaimant(jobNonce())), durationMs: inputs.lease },
  };
  const { holder } = plan.lease!;
  let takeover = '';
  // Renewed while this step works (a long rollout or gate), so no other run takes the canary over meanwhile.
  const keeper = new LeaseKeeper(cluster, plan.namespace, plan.deployment, holder, core.info, core.warning);
  const saveState = (owner: string, finished: boolean) =>
    canaryStepState.save({ namespace: plan.namespace, deployment: plan.deployment, owner, finished, nonce: holder.nonce });
  try {
    const rolled = await phase('Canary', () =>
      // From the claim on, the cluster names this run as the owner: a cancel or crash must be cleaned up.
      rollOutCanary(cluster, plan, core.info, {
        warn: core.warning,
        tookOver: (t) => {
          core.warning(describeTakeover(t));
          takeover = takeoverSummary([t]);
        },
        claimed: (claimed) => {
          saveState(claimed.owner, false);
          keeper.start(inputs.lease / 3);
        },
      }),
    );
    keeper.start(inputs.lease / 3); // also when a re-run found its canary ready (no claim to make)
    const hooks = await preTraffic(cluster, inputs, rolled);
    const { state, changed } = await phase('Traffic', () => routeCanaryTraffic(cluster, plan, rolled, core.info));
    saveState(state.owner, true);
    const converted = rolled.converted ? `Turned from a shadow canary into a weighted canary: monitor-canary now walks its \`steps\` on real traffic.\n\n` : '';
    await finish(inputs, state, changed, converted + takeover + hooks);
  } catch (error) {
    if (takeover) await appendSummary(takeover); // the takeover happened, whatever failed after it
    throw error;
  } finally {
    await keeper.stop();
  }
}

/**
 * The job's lease nonce: made by its first canary-deploy and handed to the job's later steps through the
 * environment (so monitor-canary there tells this run from another with the same run id). Never logged.
 */
function jobNonce(): string {
  const nonce = process.env[NONCE_ENV] || newNonce();
  if (process.env.GITHUB_ENV) core.exportVariable(NONCE_ENV, nonce);
  return nonce;
}

async function finish(inputs: Inputs, state: CanaryState, changed: boolean, extraSummary: string): Promise<void> {
  if (!changed) core.info(`Canary ${state.canary} already runs ${state.canaryImage} at ${state.weight}% traffic: nothing to change.`);
  setOutputs({ canary: state.canary, 'stable-image': state.stableImage, 'canary-image': state.canaryImage, weight: state.weight });
  await appendSummary(canarySummary(inputs, state, changed) + extraSummary);
}

/**
 * The `pre-traffic` gate: the canary is rolled out and takes no traffic yet. A failing hook removes it
 * (the same rollback as everywhere) and fails the step naming the hook. Returns the hooks' summary.
 * A canary that already took traffic before this run (a re-run) has no gate left to pass.
 */
async function preTraffic(cluster: Cluster, inputs: Inputs, rolled: RolledOutCanary): Promise<string> {
  if (!inputs.hooks['pre-traffic']?.length) return '';
  if (rolled.alreadyServing) {
    core.info(`Canary ${rolled.state.canary} already receives traffic: its pre-traffic hooks ran before that; not running them again.`);
    return '';
  }
  const values = { image: rolled.state.canaryImage, ...(rolled.state.modelVersion ? { 'model-version': rolled.state.modelVersion } : {}) };
  const report = (await runCanaryHooks('pre-traffic', inputs.hooks, inputs, values))!;
  const summary = hooksSummary([report]);
  if (report.ok) return summary;
  await phase('Rollback', () =>
    rollbackCanary(cluster, inputs.namespace, inputs.deployment, core.info, { reason: `canary-deploy: ${report.failure}`, by: currentRunUrl() }),
  );
  await appendSummary(`### Canary removed before any traffic: ${inputs.namespace}/${rolled.state.canary}\n\n${summary}`);
  throw new Error(`${report.failure}. The canary never received traffic: it was removed and stable ${inputs.deployment} serves all traffic.`);
}

function canarySummary(inputs: Inputs, state: CanaryState, changed: boolean): string {
  return (
    `### Canary ${changed ? 'started' : 'unchanged'}: ${inputs.namespace}/${state.canary}\n\n` +
    markdownTable(
      ['', 'image', 'model version', 'traffic'],
      [
        ['stable', state.stableImage, '', `${100 - state.weight * (state.baseline ? 2 : 1)}%`],
        ['canary', state.canaryImage, state.modelVersion ?? '', `${state.weight}%`],
        ...(state.baseline ? [['baseline', state.stableImage, '', `${state.weight}%`]] : []),
      ],
    ) +
    `\n\nRouter: \`${state.router.kind}\`${state.router.route ? ` (${state.router.route})` : ''}, strategy \`${state.strategy}\`.\n\n`
  );
}
