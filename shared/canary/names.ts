import { key } from '../k8s/annotations.js';

/** The objects the suite creates beside a stable Deployment are named after it. */
export const canaryName = (deployment: string): string => `${deployment}-canary`;
export const baselineName = (deployment: string): string => `${deployment}-baseline`;

/**
 * Labels put on the hook Jobs run for a stable Deployment, so a post step or a re-run removes only its
 * leftovers. Not `canary-of`: removing a canary's pods must never reach a hook's.
 */
export const hookJobLabels = (deployment: string): Record<string, string> => ({ [key('hooks-for')]: deployment });
