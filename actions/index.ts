import { nodeTooOld } from './node-guard.js';

/**
 * The one bundle entry. Everything but the Node check is a lazy chunk: the step runner with
 * `@actions/core`, and each action's code (which loads only the SDKs that action uses). So on an old
 * Node the step fails with one line before any of it loads; then a main step parses its inputs before
 * its action's code loads, so a bad input is refused before that.
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
  const tooOld = nodeTooOld(process.version);
  if (tooOld) {
    // The runner's error command, written by hand on purpose: `@actions/core` is what must not load here.
    process.stdout.write(`::error::${tooOld}\n`);
    process.exitCode = 1;
    return;
  }
  const { runStep } = await import('../shared/action/runner.js');
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
