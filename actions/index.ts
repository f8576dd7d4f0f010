import { runStep } from '../shared/action/runner.js';

/**
 * The one bundle entry. Each action's code is a lazy chunk, so a step loads only its own action
 * (and, through it, only the SDKs that action uses).
 */
const STEPS = {
  'build-image': { main: () => import('./build-image/main.js') },
  'model-validate': { main: () => import('./model-validate/main.js') },
  'canary-deploy': { main: () => import('./canary-deploy/main.js'), post: () => import('./canary-deploy/post.js') },
  'monitor-canary': { main: () => import('./monitor-canary/main.js') },
  'auto-rollback': { main: () => import('./auto-rollback/main.js') },
  promote: { main: () => import('./promote/main.js') },
} as const;

export type ActionName = keyof typeof STEPS;
export type StepKind = 'main' | 'post';
export const ACTION_NAMES = Object.keys(STEPS) as ActionName[];

export async function runAction(action: ActionName, step: StepKind): Promise<void> {
  await runStep(async () => {
    const steps: Partial<Record<StepKind, () => Promise<{ run: () => Promise<void> }>>> = STEPS[action];
    const load = steps[step];
    if (!load) throw new Error(`Action ${action} has no ${step} step.`);
    const module = await load();
    await module.run();
  });
}
