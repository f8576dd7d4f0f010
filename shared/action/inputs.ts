import { readInput } from './commands.js';
import { ConfigurationError } from '../errors.js';
import { parseBoolean } from '../parse/boolean.js';
import { parseDuration } from '../parse/duration.js';
import { parseNumber, type NumberBounds } from '../parse/number.js';
import { parsePercentage, type PercentBounds } from '../parse/percentage.js';
import { parseList } from '../parse/list.js';
import { parseKeyValues } from '../parse/key-value.js';
import { parseYamlBlock } from '../parse/yaml.js';
import { parseChoice } from '../parse/choice.js';

/**
 * Typed readers for action inputs, the only place that reads them. Each action's `inputs.ts`
 * fills one settings object with these at its edge; the shared core receives typed values only.
 * `action.yml` defaults arrive as input values, so `fallback` here is for inputs read outside the runner.
 */
export function optionalInput(name: string): string | undefined {
  const value = readInput(name).trim();
  return value === '' ? undefined : value;
}

export function requiredInput(name: string): string {
  const value = optionalInput(name);
  if (value === undefined) throw new ConfigurationError(`Input \`${name}\` is required and was not given.`);
  return value;
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const raw = optionalInput(name);
  return raw === undefined ? fallback : parseBoolean(raw, name);
}

export function durationInput(name: string, fallback: string): number {
  return parseDuration(optionalInput(name) ?? fallback, name);
}

export function numberInput(name: string, fallback: number, bounds: NumberBounds = {}): number {
  const raw = optionalInput(name);
  return raw === undefined ? fallback : parseNumber(raw, name, bounds);
}

export function percentageInput(name: string, fallback: number, bounds: PercentBounds = {}): number {
  const raw = optionalInput(name);
  return raw === undefined ? fallback : parsePercentage(raw, name, bounds);
}

export function listInput(name: string): string[] {
  return parseList(optionalInput(name) ?? '');
}

export function keyValueInput(name: string): Record<string, string> {
  return parseKeyValues(readInput(name), name);
}

export function yamlInput(name: string): unknown {
  const raw = optionalInput(name);
  return raw === undefined ? undefined : parseYamlBlock(raw, name);
}

export function choiceInput<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const raw = optionalInput(name);
  return raw === undefined ? fallback : parseChoice(raw, choices, name);
}

/** Fails when two inputs that exclude each other are both set. */
export function exclusiveInputs(a: string, b: string): void {
  if (optionalInput(a) !== undefined && optionalInput(b) !== undefined) {
    throw new ConfigurationError(`Only one of \`${a}\` or \`${b}\` can be set.`);
  }
}
