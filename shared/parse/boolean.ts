import { invalidInput } from '../errors.js';

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0']);

/** Strict boolean: a fixed table of spellings, anything else is an error. */
export function parseBoolean(value: string, input = 'value'): boolean {
  const v = value.trim();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw invalidInput(input, value, '`true` or `false`');
}
