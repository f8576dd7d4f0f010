import { key } from '../k8s/annotations.js';

/**
 * Where a multi-write step (canary-deploy, promote, auto-rollback) stands with a canary, recorded beside
 * the canary state on the stable Deployment: a re-run continues from `stage`, and any other step that
 * finds it knows who is changing the canary (a traffic write refuses while a rollback or promotion runs).
 */
export type ProgressStep = 'canary-deploy' | 'promote' | 'rollback';

export interface Progress {
  step: ProgressStep;
  /** The last stage reached, e.g. promote's `stable-updated` (see each step). */
  stage: string;
  at: string;
  /** The run that made it (its URL when known). */
  by?: string;
  reason?: string;
}

export const PROGRESS = key('progress');

export function encodeProgress(p: Progress): Record<string, string> {
  return { [PROGRESS]: JSON.stringify(p) };
}

/** The recorded progress, or undefined (none, or unreadable: treated as none). */
export function decodeProgress(annotations: Record<string, string> | undefined): Progress | undefined {
  const raw = annotations?.[PROGRESS];
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as Progress;
    return p && typeof p.step === 'string' && typeof p.stage === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}

/** `promote (stable-updated) by https://... at 2026-...` */
export function describeProgress(p: Progress): string {
  return `${p.step === 'rollback' ? 'a rollback' : p.step === 'promote' ? 'a promotion' : 'canary-deploy'} (${p.stage})${p.by ? ` by ${p.by}` : ''} at ${p.at}${p.reason ? `: ${p.reason}` : ''}`;
}
