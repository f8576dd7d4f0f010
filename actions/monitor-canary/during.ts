import * as core from '@actions/core';
import { loadKubeConfig } from '../../shared/k8s/client.js';
import { createHookClients, removeHookJobs, startDuringHooks, type DuringHooks, type HookClients, type HookPlan, type StageReport } from '../../shared/hooks/index.js';
import type { LoadedCanary } from '../../shared/canary/load.js';

/** Labels on this Deployment's hook Jobs, so a re-run removes what a crashed run left, and no one else's. */
export const hookJobLabels = (deployment: string) => ({ 'ai-deploy.dev/deployment': deployment });

/**
 * Starts the `during` hooks (a load generator for a canary whose real traffic is too thin, say) as the
 * analysis starts. Undefined when there are none. Hook clients are built only when a hook needs them.
 */
export async function startDuring(plan: HookPlan, canary: LoadedCanary, kubeconfig: string | undefined, clients?: HookClients): Promise<DuringHooks | undefined> {
  if (!plan.during?.length) return undefined;
  const needsCluster = plan.during.some((h) => h.kind === 'job' || h.target.via === 'service');
  const hookClients = clients ?? (needsCluster ? await createHookClients(await loadKubeConfig(kubeconfig)) : undefined);
  const values = { image: canary.state.canaryImage, 'model-version': canary.state.modelVersion, namespace: canary.namespace };
  const context = { namespace: canary.namespace, clients: hookClients, values, labels: hookJobLabels(canary.deployment) };
  if (hookClients && plan.during.some((h) => h.kind === 'job')) {
    // A cancelled or crashed run may have left its load Job running: a re-run starts from a clean slate.
    const left = await removeHookJobs({ ...context, clients: hookClients }, 'during');
    if (left.length) core.info(`Removed during hook Job(s) left by an earlier run: ${left.join(', ')}.`);
  }
  return startDuringHooks(plan, context);
}

/**
 * Stops what still runs and returns the report. A failed `during` hook is a warning, never the verdict:
 * the metrics judge the canary. (Hooks that failed at the start were warned about when they did.)
 */
export async function stopDuring(during: DuringHooks | undefined): Promise<StageReport | undefined> {
  if (!during) return undefined;
  const report = await during.stop();
  for (const r of report.results) {
    if (r.outcome === 'failed' && r.kind === 'job' && !/could not be created/.test(r.detail)) {
      core.warning(`during hook \`${r.name}\` failed while the analysis ran: ${r.detail}. The metrics judge the canary.`);
    }
  }
  return report;
}
