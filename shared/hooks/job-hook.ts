import * as core from '@actions/core';
import type { V1Job } from '@kubernetes/client-node';
import { formatDuration } from '../parse/duration.js';
import type { Outcome } from './http-hook.js';
import { buildHookJob } from './job-object.js';
import { apiErrorLine, statusCode } from '../k8s/errors.js';
import { MissingValueError } from './placeholders.js';
import type { HookClients, HookContext, HookStage, JobHook } from './types.js';
import { cutToLength } from '../text-limit.js';

export type JobState = { phase: 'running' } | { phase: 'succeeded' } | { phase: 'failed'; reason: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function clientsOf(context: HookContext, hook: { name: string }): HookClients {
  if (!context.clients) throw new Error(`Hook \`${hook.name}\` runs a Job, and needs Kubernetes clients in its context.`);
  return context.clients;
}

/** Creates the hook's Job; returns its generated name. */
export async function createHookJob(hook: JobHook, context: HookContext, stage: HookStage): Promise<string> {
  const body = buildHookJob(hook, context, stage);
  const job = await clientsOf(context, hook).batch.createNamespacedJob({ namespace: context.namespace, body });
  const name = job.metadata!.name!;
  const image = body.spec?.template.spec?.containers.map((c) => c.image).join(', ');
  core.info(`  created Job ${context.namespace}/${name} from ${hook.manifest} (image ${image})`);
  return name;
}

export async function readJobState(clients: HookClients, namespace: string, name: string): Promise<JobState> {
  return jobState(await clients.batch.readNamespacedJobStatus({ name, namespace }));
}

/** A Job is over when it has a true terminal condition (FailureTarget and SuccessCriteriaMet come first on newer clusters). */
export function jobState(job: V1Job): JobState {
  for (const c of job.status?.conditions ?? []) {
    if (c.status !== 'True') continue;
    if (c.type === 'Complete' || c.type === 'SuccessCriteriaMet') return { phase: 'succeeded' };
    if (c.type === 'Failed' || c.type === 'FailureTarget') return { phase: 'failed', reason: [c.reason, c.message].filter(Boolean).join(': ') || c.type };
  }
  return { phase: 'running' };
}

/** Polls until the Job ends or the timeout passes; three failed reads in a row end the wait too. */
export async function waitForJob(clients: HookClients, namespace: string, name: string, timeoutMs: number, pollMs: number): Promise<JobState | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  let errors = 0;
  for (;;) {
    try {
      const state = await readJobState(clients, namespace, name);
      if (state.phase !== 'running') return state;
      errors = 0;
    } catch (error) {
      if (++errors >= 3) return { phase: 'failed', reason: `its status could not be read: ${apiErrorLine(error)}` };
    }
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    await sleep(Math.min(pollMs, left));
  }
}

/** Prints the logs of the Job's pods in a log group; returns one line per pod on how it ended. */
export async function showJobLogs(clients: HookClients, namespace: string, name: string, title: string): Promise<string[]> {
  return core.group(title, async () => {
    const lines: string[] = [];
    let pods;
    try {
      pods = await clients.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` });
    } catch (error) {
      core.info(`Could not list the Job's pods: ${apiErrorLine(error)}`);
      return lines;
    }
    if (pods.items.length === 0) core.info('The Job has no pods.');
    for (const pod of pods.items) {
      const podName = pod.metadata?.name ?? '?';
      const ended = (pod.status?.containerStatuses ?? []).map((s) => s.state?.terminated).find((t) => t && t.exitCode !== 0);
      const why = ended && [`exit code ${ended.exitCode}`, ended.reason, ended.message && cutToLength(ended.message.replace(/\s+/g, ' '), 200)].filter(Boolean).join(', ');
      lines.push(`pod ${podName} ${pod.status?.phase ?? 'Unknown'}${why ? ` (${why})` : ''}`);
      for (const container of pod.spec?.containers ?? []) {
        core.info(`--- pod ${podName}, container ${container.name}`);
        try {
          const log = await clients.core.readNamespacedPodLog({ name: podName, namespace, container: container.name, tailLines: 200 });
          core.info(log === '' ? '(no output)' : log);
        } catch (error) {
          core.info(`(logs not available: ${apiErrorLine(error)})`);
        }
      }
    }
    return lines;
  });
}

/** Deletes the Job and, in the background, its pods. Already gone is fine; any other failure is a warning naming the Job. */
export async function removeJob(clients: HookClients, namespace: string, name: string): Promise<string | undefined> {
  try {
    await clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
    return undefined;
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    const message = `could not remove Job ${namespace}/${name} (${apiErrorLine(error)}); delete it by hand`;
    core.warning(message);
    return message;
  }
}

/** Describes how a Job ended, shows its pods' logs when it did not succeed, and removes it. */
export async function finishJob(
  clients: HookClients,
  namespace: string,
  name: string,
  hook: JobHook,
  end: JobState | 'timeout' | 'stopped',
): Promise<Outcome> {
  let outcome: Outcome = { ok: false, detail: `Job ${name} could not be inspected` };
  let notRemoved: string | undefined;
  try {
    if (end === 'stopped') outcome = { ok: true, detail: `Job ${name} was still running and was stopped` };
    else if (end !== 'timeout' && end.phase === 'succeeded') outcome = { ok: true, detail: `Job ${name} completed` };
    else {
      const pods = await showJobLogs(clients, namespace, name, `Logs of Job ${namespace}/${name} (hook ${hook.name})`);
      const what = end === 'timeout' ? `did not finish within ${formatDuration(hook.timeoutMs)}` : end.phase === 'failed' ? `failed: ${end.reason}` : 'did not end';
      outcome = { ok: false, detail: `Job ${name} ${what}${pods.length ? `; ${pods.join('; ')}` : ''}` };
    }
  } finally {
    notRemoved = await removeJob(clients, namespace, name);
  }
  return notRemoved ? { ok: outcome.ok, detail: `${outcome.detail}; ${notRemoved}` } : outcome;
}

/** Runs a Job hook to its end: create, wait (at most the hook's timeout), logs on failure, and removal in every case. */
export async function runJobHook(hook: JobHook, context: HookContext, stage: HookStage): Promise<Outcome> {
  const clients = clientsOf(context, hook);
  let name: string;
  try {
    name = await createHookJob(hook, context, stage);
  } catch (error) {
    if (error instanceof MissingValueError) return { ok: false, detail: `Job from ${hook.manifest} was not created: ${error.message}` };
    return { ok: false, detail: `Job from ${hook.manifest} could not be created: ${apiErrorLine(error)}` };
  }
  let end: JobState | 'timeout';
  try {
    end = await waitForJob(clients, context.namespace, name, hook.timeoutMs, context.pollIntervalMs ?? 2000);
  } catch (error) {
    await removeJob(clients, context.namespace, name);
    throw error;
  }
  return finishJob(clients, context.namespace, name, hook, end);
}
