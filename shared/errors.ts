import { cutToLength } from './text-limit.js';

/**
 * A user mistake (bad input, missing file, unknown object). Reported as one clear `::error::` line,
 * with no stack trace; anything else that escapes an action is a failure of ours and is reported as such.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Renders a value for an error message: quoted, one line, cut when long. */
export function quote(value: string): string {
  const oneLine = value.replace(/\r?\n/g, '\\n');
  return `'${cutToLength(oneLine, 120, { mark: '...' })}'`;
}

/** The error for an input whose value is not of the expected form. */
export function invalidInput(input: string, value: string, expected: string): ConfigurationError {
  return new ConfigurationError(`Invalid \`${input}\`: ${quote(value)}. Expected ${expected}.`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
