import type { V1Job } from '@kubernetes/client-node';
import { key } from '../k8s/annotations.js';
import { renderDeep } from './placeholders.js';
import type { HookContext, HookStage, JobHook } from './types.js';

/** Labels on every hook Job and its pods; `removeHookJobs` selects on them. */
export const HOOK_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  hook: key('hook'),
  stage: key('hook-stage'),
} as const;

export function hookLabels(context: HookContext, stage: HookStage, hookName?: string): Record<string, string> {
  return {
    ...context.labels,
    [HOOK_LABELS.managedBy]: 'ai-deploy',
    [HOOK_LABELS.stage]: stage,
    ...(hookName ? { [HOOK_LABELS.hook]: hookName } : {}),
  };
}

// generateName adds 5 characters; Job names end up in a pod label, which holds at most 63.
const BASE_MAX = 50;
const DEADLINE_MARGIN_S = 60;

/**
 * The Job to create: the manifest with its template values filled in, in the context's namespace,
 * under a generated name (a re-run never collides with a Job left by a crashed run), labelled as ours.
 * Defaults that keep a hook from outliving its purpose, unless the manifest sets them: no pod retries
 * (`backoffLimit: 0`), a deadline a minute past the hook's timeout (the cluster stops it even if the
 * runner dies; the margin lets our own timeout, with its clearer message, come first), `restartPolicy: Never`,
 * and removal an hour after it finishes.
 */
export function buildHookJob(hook: JobHook, context: HookContext, stage: HookStage): V1Job {
  const job = renderDeep(hook.job, { ...context.values, namespace: context.namespace }) as V1Job;
  const labels = hookLabels(context, stage, hook.name);
  const base = (job.metadata?.name ?? job.metadata?.generateName ?? hook.name).replace(/-+$/, '').slice(0, BASE_MAX).replace(/[-.]+$/, '');
  const { name: _name, namespace: _namespace, resourceVersion: _rv, uid: _uid, ...metadata } = job.metadata ?? {};
  const spec = job.spec!;
  const template = spec.template;
  return {
    ...job,
    metadata: { ...metadata, generateName: `${base}-`, namespace: context.namespace, labels: { ...metadata.labels, ...labels } },
    spec: {
      ...spec,
      backoffLimit: spec.backoffLimit ?? 0,
      activeDeadlineSeconds: spec.activeDeadlineSeconds ?? Math.ceil(hook.timeoutMs / 1000) + DEADLINE_MARGIN_S,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished ?? 3600,
      template: {
        ...template,
        metadata: { ...template.metadata, labels: { ...template.metadata?.labels, ...labels } },
        spec: { ...template.spec!, restartPolicy: template.spec?.restartPolicy ?? 'Never' },
      },
    },
  };
}
