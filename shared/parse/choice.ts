import { invalidInput } from '../errors.js';

/** One of a fixed set of words; the error lists them all. */
export function parseChoice<T extends string>(value: string, choices: readonly T[], input = 'value'): T {
  const v = value.trim();
  if ((choices as readonly string[]).includes(v)) return v as T;
  throw invalidInput(input, value, `one of ${choices.map((c) => `\`${c}\``).join(', ')}`);
}
