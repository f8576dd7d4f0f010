import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../schemas/suite.schema.json' with { type: 'json' };
import { ConfigurationError } from '../errors.js';

/**
 * The suite file's rules, from `schemas/suite.schema.json` (the same file editors check suites with): the
 * settings and each case are validated as they are read, and a mistake is told as the input, the path
 * inside the file, its line, the value found and what was expected (each property's `x-expected`).
 */
const ajv = new Ajv({ allErrors: false, verbose: true, strict: false });
ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
ajv.addSchema(schema, 'suite');

let settingsCheck: ValidateFunction | undefined;
let caseCheck: ValidateFunction | undefined;

/** Throws a ConfigurationError for the first rule `settings` breaks (`where`: ``Suite s.yaml line 4`` for a path). */
export function checkSettings(settings: unknown, where: string | ((path: string[]) => string)): void {
  settingsCheck ??= ajv.getSchema('suite#/definitions/settings')!;
  if (!settingsCheck(settings)) throw problem(settingsCheck.errors!, settings, where);
}

/** Throws a ConfigurationError for the first rule a case breaks (`where`: ``Case `a` (s.yaml line 12)`` for a path). */
export function checkCase(c: unknown, where: string | ((path: string[]) => string)): void {
  caseCheck ??= ajv.getSchema('suite#/definitions/case')!;
  if (!caseCheck(c)) throw problem(caseCheck.errors!, c, where);
}

function problem(errors: ErrorObject[], root: unknown, at: string | ((path: string[]) => string)): ConfigurationError {
  // Of an `anyOf`, the branch errors say less than the `anyOf` itself (whose `x-expected` says it all).
  const e = errors.find((x) => x.keyword === 'anyOf') ?? errors[0];
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const keyPath = e.keyword === 'additionalProperties' ? [...path, (e.params as { additionalProperty: string }).additionalProperty] : path;
  const where = typeof at === 'string' ? at : at(keyPath);
  const shown = path.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  const expected = (e.parentSchema as { 'x-expected'?: string } | undefined)?.['x-expected'];
  const p = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (e.keyword === 'required') return new ConfigurationError(`${where}: ${shown ? `\`${shown}\` needs` : 'needs'} \`${p.missingProperty}\`${shown ? '' : ` (${expected ?? 'see docs/suite.md'})`}.`);
  if (e.keyword === 'additionalProperties') {
    const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).filter((k) => k !== 'cases');
    return new ConfigurationError(`${where}: unknown key \`${p.additionalProperty}\`${shown ? ` in \`${shown}\`` : ''}. Expected one of ${known.map((k) => `\`${k}\``).join(', ')}.`);
  }
  const value = path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], root);
  return new ConfigurationError(`${where}: ${shown ? `\`${shown}\`` : 'the suite'} is ${JSON.stringify(value) ?? 'missing'}, expected ${expected ?? e.message ?? 'something else'}.`);
}
