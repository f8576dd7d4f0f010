import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../errors.js';

export type Step = () => Promise<void>;

/**
 * Runs one step of an action (main or post) and reports how it ended through `core.setFailed`: a user
 * mistake with its message alone; anything else with its message too, and its stack only when step
 * debugging is on (`ACTIONS_STEP_DEBUG`, which the runner passes on as `RUNNER_DEBUG=1`).
 * Never throws: this is the `run()` contract GitHub's typescript-action template and `@github/local-action` expect.
 */
export async function runStep(step: Step): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack && core.isDebug()) core.debug(error.stack);
    core.setFailed(errorMessage(error));
  }
}
