import { ConfigurationError, quote } from '../errors.js';
import { parseDuration } from '../parse/duration.js';
import { unknownPlaceholders } from './placeholders.js';
import type { HookStage } from './types.js';

export type RawHook = Record<string, unknown>;

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A hook's name as written, or `<kind>-<n>` when it has none. */
export function hookName(item: unknown, i: number): string {
  const raw = isMapping(item) ? item : {};
  if (typeof raw.name === 'string') return raw.name;
  return `${typeof raw.kind === 'string' ? raw.kind : 'hook'}-${i + 1}`;
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

  has(field: string): boolean {
    return this.raw[field] !== undefined && this.raw[field] !== null;
  }

  /** A scalar as text (YAML numbers and booleans become their text); the schema has checked its form. */
  text(field: string): string | undefined {
    const value = this.raw[field];
    return value === undefined || value === null ? undefined : String(value).trim();
  }

  missing(field: string, expected: string): ConfigurationError {
    return new ConfigurationError(`${this.where(field)}: missing. Expected ${expected}.`);
  }

  /** A text whose `{{...}}` placeholders must all be known (`{{env.NAME}}` allowed or not). */
  templated(field: string, value: string, allowEnv: boolean): string {
    const [problem] = unknownPlaceholders(value, allowEnv);
    if (problem) throw this.error(field, problem.placeholder, problem.expected);
    return value;
  }

  duration(field: string, fallbackMs: number): number {
    const value = this.text(field);
    return value === undefined ? fallbackMs : this.reworded(field, () => parseDuration(value, this.input));
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
