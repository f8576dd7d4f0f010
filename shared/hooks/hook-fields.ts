import { ConfigurationError, quote } from '../action/errors.js';
import { parseDuration } from '../parse/duration.js';
import { parseInteger, type NumberBounds } from '../parse/number.js';
import { unknownPlaceholders } from './placeholders.js';
import type { HookStage } from './types.js';

export type RawHook = Record<string, unknown>;

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Shows a YAML value in an error message as the user wrote it, near enough. */
export function show(value: unknown): string {
  return quote(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));
}

/**
 * Reads the fields of one hook. Every error names the input, the stage, the hook, the field,
 * the value and what was expected, e.g.
 * ``Invalid `hooks`: pre-traffic hook `smoke`, field `timeout`: '10 seconds'. Expected a positive duration...``
 */
export class HookFields {
  constructor(
    readonly input: string,
    readonly stage: HookStage,
    readonly name: string,
    readonly raw: RawHook,
  ) {}

  where(field?: string): string {
    return `Invalid \`${this.input}\`: ${this.stage} hook \`${this.name}\`${field ? `, field \`${field}\`` : ''}`;
  }

  error(field: string, value: unknown, expected: string): ConfigurationError {
    return new ConfigurationError(`${this.where(field)}: ${show(value)}. Expected ${expected}.`);
  }

  /** Refuses fields this kind of hook does not have (a typo must not be silently ignored). */
  onlyKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!allowed.includes(key)) {
        throw new ConfigurationError(
          `${this.where()}: unknown field \`${key}\`. Expected only ${allowed.map((k) => `\`${k}\``).join(', ')}.`,
        );
      }
    }
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined && this.raw[field] !== null;
  }

  /** A scalar written as text (YAML numbers and booleans become their text). */
  text(field: string, expected: string): string | undefined {
    const value = this.raw[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object') throw this.error(field, value, expected);
    const text = String(value).trim();
    if (text === '') throw this.error(field, value, expected);
    return text;
  }

  requiredText(field: string, expected: string): string {
    const value = this.text(field, expected);
    if (value === undefined) throw new ConfigurationError(`${this.where(field)}: missing. Expected ${expected}.`);
    return value;
  }

  /** A text whose `{{...}}` placeholders must all be known (`{{env.NAME}}` allowed or not). */
  templated(field: string, value: string, allowEnv: boolean): string {
    const [problem] = unknownPlaceholders(value, allowEnv);
    if (problem) throw this.error(field, problem.placeholder, problem.expected);
    return value;
  }

  duration(field: string, fallbackMs: number): number {
    const value = this.text(field, 'a positive duration such as `30s`, `5m`, `1h` or `1h30m`');
    return value === undefined ? fallbackMs : this.reworded(field, () => parseDuration(value, this.input));
  }

  integer(field: string, fallback: number, bounds: Omit<NumberBounds, 'integer'>): number {
    const value = this.text(field, 'an integer');
    return value === undefined ? fallback : this.reworded(field, () => parseInteger(value, this.input, bounds));
  }

  /** Runs a shared parser and puts the stage, hook and field into its message. */
  reworded<T>(field: string, parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      throw new ConfigurationError(error.message.replace(`Invalid \`${this.input}\``, this.where(field)));
    }
  }
}
