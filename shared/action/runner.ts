import { debugLine, fail } from './commands.js';
import { ConfigurationError, errorMessage } from './errors.js';

export type Step = () => Promise<void>;

/**
 * Runs one step of an action (main or post) and reports how it ended: a user mistake is one
 * `::error::` line with its message; anything else is a failure whose stack goes to the debug log.
 * Never throws, so an entry file is one line.
 */
export async function runStep(step: Step): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (error instanceof ConfigurationError) {
      fail(error.message);
      return;
    }
    if (error instanceof Error && error.stack) debugLine(error.stack);
    fail(errorMessage(error));
  }
}
