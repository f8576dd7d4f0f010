import * as core from '@actions/core';
import { errorMessage } from '../errors.js';
import { formatDuration } from '../parse/duration.js';
import { runHttpHook, type Outcome } from './http-hook.js';
import { runJobHook } from './job-hook.js';
import { describeHook, hookResult, stageReport } from './results.js';
import type { Hook, HookContext, HookPlan, HookResult, HookStage, StageReport } from './types.js';

/**
 * Runs a stage's hooks in order and reports each. In a gate (`pre-traffic`, `pre-promote`) the first
 * failure skips the rest; after the fact (`post-*`) every hook runs. Never throws for a failing hook:
 * the caller reads `ok` (or calls `requirePassed`) and puts `hooksSummary` in the job summary.
 * Prints its own lines; a failed Job's pod logs go in a log group, so do not call it inside `phase()`.
 */
export async function runHooks(stage: HookStage, plan: HookPlan, context: HookContext): Promise<StageReport> {
  const results: HookResult[] = [];
  const gate = stage.startsWith('pre-');
  for (const hook of plan[stage] ?? []) {
    const failed = results.find((r) => r.outcome === 'failed');
    if (failed && gate) {
      results.push(hookResult(stage, hook, 'skipped', `not run: hook \`${failed.name}\` failed before it`, 0));
      continue;
    }
    core.info(`${stage} hook \`${hook.name}\`: ${describeHook(hook, context)}`);
    const started = performance.now();
    const outcome = await runHook(hook, context, stage);
    const r = hookResult(stage, hook, outcome.ok ? 'passed' : 'failed', outcome.detail, performance.now() - started);
    core.info(`  ${r.outcome} in ${formatDuration(r.durationMs)}: ${r.detail}`);
    results.push(r);
  }
  return stageReport(stage, results);
}

async function runHook(hook: Hook, context: HookContext, stage: HookStage): Promise<Outcome> {
  try {
    return hook.kind === 'http' ? await runHttpHook(hook, context) : await runJobHook(hook, context, stage);
  } catch (error) {
    return { ok: false, detail: `could not run: ${errorMessage(error)}` };
  }
}
