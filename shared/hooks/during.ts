import * as core from '@actions/core';
import { errorMessage } from '../errors.js';
import { formatDuration } from '../parse/duration.js';
import { runHttpHook } from './http-hook.js';
import { clientsOf, createHookJob, finishJob, readJobState, type JobState } from './job-hook.js';
import { apiErrorLine } from '../k8s/errors.js';
import { MissingValueError } from './placeholders.js';
import { describeHook, hookResult, stageReport } from './results.js';
import type { HookContext, HookPlan, HookResult, JobHook, StageReport } from './types.js';

export interface DuringHooks {
  /** Stops what still runs (a Job is deleted, its pods with it) and reports every hook. Safe to call twice. */
  stop(): Promise<StageReport>;
}

interface StartedJob {
  hook: JobHook;
  name: string;
  started: number;
}

/**
 * Starts monitor-canary's `during` hooks alongside the analysis: a Job is created and left running
 * (a load generator, say) for at most its `timeout`; an http hook is sent once, now (to start an
 * external load test, say). Call `stop()` when the analysis ends, in a `finally`. A Job that failed
 * meanwhile is reported failed, with its pods' logs.
 */
export async function startDuringHooks(plan: HookPlan, context: HookContext): Promise<DuringHooks> {
  const done: HookResult[] = [];
  const running: StartedJob[] = [];
  for (const hook of plan.during ?? []) {
    core.info(`during hook \`${hook.name}\`: ${describeHook(hook, context)}`);
    const started = performance.now();
    if (hook.kind === 'http') {
      const outcome = await runHttpHook(hook, context).catch((error: unknown) => ({ ok: false, detail: `could not run: ${errorMessage(error)}` }));
      done.push(hookResult('during', hook, outcome.ok ? 'passed' : 'failed', outcome.detail, performance.now() - started));
      continue;
    }
    try {
      running.push({ hook, name: await createHookJob(hook, context, 'during'), started });
    } catch (error) {
      const why = error instanceof MissingValueError ? error.message : apiErrorLine(error);
      done.push(hookResult('during', hook, 'failed', `Job from ${hook.manifest} could not be created: ${why}`, performance.now() - started));
    }
  }
  for (const r of done.filter((d) => !d.ok)) core.warning(`during hook \`${r.name}\` failed: ${r.detail}`);
  let report: Promise<StageReport> | undefined;
  const order = (plan.during ?? []).map((h) => h.name);
  return { stop: () => (report ??= stopAll(context, done, running, order)) };
}

async function stopAll(context: HookContext, done: HookResult[], running: StartedJob[], order: string[]): Promise<StageReport> {
  const results = [...done];
  for (const { hook, name, started } of running) {
    const clients = clientsOf(context, hook);
    let state: JobState | undefined;
    try {
      state = await readJobState(clients, context.namespace, name);
    } catch (error) {
      core.info(`  could not read Job ${name}: ${apiErrorLine(error)}; stopping it`);
    }
    const outcome = await finishJob(clients, context.namespace, name, hook, !state || state.phase === 'running' ? 'stopped' : state);
    const r = hookResult('during', hook, outcome.ok ? (state?.phase === 'succeeded' ? 'passed' : 'stopped') : 'failed', outcome.detail, performance.now() - started);
    core.info(`during hook \`${hook.name}\` ${r.outcome} after ${formatDuration(r.durationMs)}: ${r.detail}`);
    results.push(r);
  }
  results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return stageReport('during', results);
}
