import * as core from '@actions/core';

/**
 * The runner commands the edge of a step uses (read an input, mask a secret, report an error), all
 * through `@actions/core`: GitHub's runner, `act` and `@github/local-action` each see exactly what
 * `core` does, and a tool that replaces `core` (local-action does) replaces these too.
 */
export function readInput(name: string): string {
  return core.getInput(name);
}

export const addMask = (secret: string): void => core.setSecret(secret);
export const debugLine = (message: string): void => core.debug(message);

/** `core.setFailed`: an error line and a failing exit code. */
export function fail(message: string): void {
  core.setFailed(message);
}
