import { HOOK_LABELS, hookLabels } from './job-object.js';
import { removeJob } from './job-hook.js';
import type { HookClients, HookContext, HookStage } from './types.js';

/**
 * Deletes hook Jobs left in the namespace (a cancelled or crashed run), selected by the hook labels
 * and the context's own `labels`; with a stage, only that stage's. For a post step or a re-run.
 * Returns the names of the Jobs it removed.
 */
export async function removeHookJobs(context: HookContext & { clients: HookClients }, stage?: HookStage): Promise<string[]> {
  const labels = hookLabels(context, stage ?? 'during');
  if (!stage) delete labels[HOOK_LABELS.stage];
  const labelSelector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  const jobs = await context.clients.batch.listNamespacedJob({ namespace: context.namespace, labelSelector });
  const names = jobs.items.map((j) => j.metadata?.name).filter((n): n is string => !!n);
  for (const name of names) await removeJob(context.clients, context.namespace, name);
  return names;
}
