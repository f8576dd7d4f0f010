import { invalidInput } from '../errors.js';

/**
 * Parses `KEY=value` pairs, one per line (values may contain `=` and commas).
 * A line without `=` or with an empty key is refused; a repeated key keeps the last value.
 */
export function parseKeyValues(value: string, input = 'value'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of value.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw invalidInput(input, line, 'one `KEY=value` pair per line');
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
