import { EOL } from 'node:os';

/**
 * The few runner commands a step needs before it knows its inputs are good: read an input, mask a
 * secret, report an error. `@actions/core` loads its HTTP client (undici) when imported, about 90 ms;
 * reading inputs and refusing a bad one must answer well before that, so these speak the runner's
 * protocol directly, exactly as `@actions/core` does (`getInput`, `setSecret`, `error`, `debug`).
 * Everything after the inputs are parsed uses `@actions/core`.
 */
export function readInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function issue(command: string, message: string): void {
  process.stdout.write(`::${command}::${escapeData(message)}${EOL}`);
}

export const addMask = (secret: string): void => issue('add-mask', secret);
export const debugLine = (message: string): void => issue('debug', message);

/** `core.setFailed`: an error line and a failing exit code. */
export function fail(message: string): void {
  process.exitCode = 1;
  issue('error', message);
}
