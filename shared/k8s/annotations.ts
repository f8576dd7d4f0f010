/**
 * Every annotation and label the suite writes lives under this prefix, so `kubectl describe` shows
 * where a rollout stands and a cleanup can find exactly what the suite added. Never secrets.
 */
export const PREFIX = 'ai-deploy.dev/';

export const key = (name: string): string => `${PREFIX}${name}`;

/** Labels that mark the objects and pods the suite creates next to a stable Deployment. */
export const LABEL_CANARY_OF = key('canary-of');
export const LABEL_TRACK = key('track');

/** Annotations recorded by promote and auto-rollback on the stable Deployment. */
export const PROMOTION = {
  previousImage: key('previous-image'),
  previousModelVersion: key('previous-model-version'),
  promotedImage: key('promoted-image'),
  promotedAt: key('promoted-at'),
  promotedBy: key('promoted-by'),
} as const;

export const ROLLBACK = {
  /** `canary` (canary removed, stable untouched) or `revision` (stable rolled back). */
  mode: key('rollback-mode'),
  reason: key('rollback-reason'),
  at: key('rolled-back-at'),
  fromImage: key('rolled-back-from-image'),
  toImage: key('rolled-back-to-image'),
  by: key('rolled-back-by'),
} as const;

/** A merge patch that removes the given annotations (null deletes a key). */
export function removeAnnotationsPatch(keys: readonly string[]): { metadata: { annotations: Record<string, null> } } {
  return { metadata: { annotations: Object.fromEntries(keys.map((k) => [k, null])) } };
}

/** Where this workflow run can be seen, for the records (undefined outside Actions). */
export function currentRunUrl(): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = process.env;
  if (!GITHUB_REPOSITORY || !GITHUB_RUN_ID) return undefined;
  return `${GITHUB_SERVER_URL || 'https://github.com'}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`;
}
