import { loadKubeConfig } from '../k8s/client.js';
import { removeHookJobs } from '../hooks/cleanup.js';
import { createHookClients } from '../hooks/clients.js';
import { runHooks } from '../hooks/run.js';
import type { HookClients, HookContext, HookPlan, HookStage, StageReport, TemplateValues } from '../hooks/types.js';
import { hookJobLabels } from './names.js';

/** Where a canary's hooks run: the stable Deployment they are for, and the action's kubeconfig input. */
export interface HookTarget {
  kubeconfig?: string;
  namespace: string;
  deployment: string;
}

async function contextFor(target: HookTarget): Promise<HookContext & { clients: HookClients }> {
  return { namespace: target.namespace, clients: await createHookClients(await loadKubeConfig(target.kubeconfig)), labels: hookJobLabels(target.deployment) };
}

/**
 * Runs one stage's hooks for a canary of `target.deployment` (its Jobs labelled for that Deployment), or
 * returns undefined when the stage has none. Never throws for a failing hook: read `ok`.
 */
export async function runCanaryHooks(stage: HookStage, plan: HookPlan, target: HookTarget, values: TemplateValues): Promise<StageReport | undefined> {
  if (!plan[stage]?.length) return undefined;
  return runHooks(stage, plan, { ...(await contextFor(target)), values });
}

/** Deletes hook Jobs a cancelled or crashed run left for `target.deployment`; returns their names. */
export async function removeLeftoverHookJobs(target: HookTarget, stage?: HookStage): Promise<string[]> {
  return removeHookJobs(await contextFor(target), stage);
}
