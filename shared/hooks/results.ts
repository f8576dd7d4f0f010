import { describeRequest } from './http-hook.js';
import { withoutSecrets } from './redact.js';
import type { Hook, HookContext, HookOutcome, HookResult, HookStage, StageReport } from './types.js';

/** A stage's hooks failed: the message names the hook and what it answered. Not a user mistake, so not a ConfigurationError. */
export class HookFailure extends Error {
  override name = 'HookFailure';
  constructor(readonly report: StageReport) {
    super(report.failure ?? `${report.stage} hooks failed`);
  }
}

/** Throws a `HookFailure` naming the failed hook and what it answered, when the stage did not pass. */
export function requirePassed(report: StageReport): void {
  if (!report.ok) throw new HookFailure(report);
}

/** One hook's result; a detail that holds a masked secret (an answer echoing a token) is withheld. */
export function hookResult(stage: HookStage, hook: Hook, outcome: HookOutcome, detail: string, durationMs: number): HookResult {
  const ok = outcome === 'passed' || outcome === 'stopped';
  return { stage, name: hook.name, kind: hook.kind, ok, outcome, detail: withoutSecrets(detail), durationMs: Math.round(durationMs) };
}

export function stageReport(stage: HookStage, results: HookResult[]): StageReport {
  const failed = results.find((r) => r.outcome === 'failed');
  return { stage, ok: failed === undefined, results, failure: failed && `${stage} hook \`${failed.name}\` (${failed.kind}) failed: ${failed.detail}` };
}

/** What a hook does, as logged before it runs (no secrets: `{{env.NAME}}` stays as written). */
export function describeHook(hook: Hook, context: HookContext): string {
  if (hook.kind === 'job') return `Job from ${hook.manifest}`;
  return describeRequest(hook, { ...context.values, namespace: context.namespace }, context.namespace);
}
