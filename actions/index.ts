import { runStep } from '../shared/action/runner.js';

/**
 * The one bundle entry. Each action's code is a lazy chunk, so a step loads only its own action
 * (and, through it, only the SDKs that action uses). A main step first loads and parses its inputs
 * alone — no SDK and no `@actions/core` — so a bad input is refused in a few tens of milliseconds.
 */
const STEPS = {
  'build-image': { main: () => import('./build-image/main.js'), inputs: () => import('./build-image/inputs.js'), post: () => import('./build-image/post.js') },
  'model-validate': { main: () => import('./model-validate/main.js'), inputs: () => import('./model-validate/inputs.js') },
  'canary-deploy': { main: () => import('./canary-deploy/main.js'), inputs: () => import('./canary-deploy/inputs.js'), post: () => import('./canary-deploy/post.js') },
  'monitor-canary': { main: () => import('./monitor-canary/main.js'), inputs: () => import('./monitor-canary/inputs.js') },
  'auto-rollback': { main: () => import('./auto-rollback/main.js'), inputs: () => import('./auto-rollback/inputs.js') },
  promote: { main: () => import('./promote/main.js'), inputs: () => import('./promote/inputs.js') },
} as const;

export type ActionName = keyof typeof STEPS;
export type StepKind = 'main' | 'post';
export const ACTION_NAMES = Object.keys(STEPS) as ActionName[];

type Loader = () => Promise<{ run: (inputs?: never) => Promise<void> }>;

export async function runAction(action: ActionName, step: StepKind): Promise<void> {
  await runStep(async () => {
    const steps: { main: Loader; inputs: () => Promise<{ getInputs: () => unknown }>; post?: Loader } = STEPS[action];
    if (step === 'post') {
      if (!steps.post) throw new Error(`Action ${action} has no post step.`);
      await (await steps.post()).run();
      return;
    }
    const inputs = (await steps.inputs()).getInputs();
    await (await steps.main()).run(inputs as never);
  });
}
