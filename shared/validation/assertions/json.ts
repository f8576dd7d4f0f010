import { JSONPath } from 'jsonpath-plus';
import { isDeepStrictEqual } from 'node:util';
import { ConfigurationError } from '../../errors.js';
import { excerpt, type AssertionSite, type Check } from './types.js';
import type { AssertionSpec } from '../suite.js';

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

// Suites repeat one schema over many cases: compile each distinct schema once.
const compiled = new Map<string, Validate>();

async function compileSchema(schema: unknown, site: AssertionSite): Promise<Validate> {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  const validate = await compileNew(schema, site);
  compiled.set(key, validate);
  return validate;
}

async function compileNew(schema: unknown, site: AssertionSite): Promise<Validate> {
  if (typeof schema !== 'object' || schema === null) throw new ConfigurationError(`${site.where}: \`is-json\` \`schema\` must be a JSON Schema object.`);
  // ajv is CommonJS: its class is the default export's `default` under Node's ESM interop.
  const mod = (await import('ajv')) as unknown as { default: { default?: unknown } };
  const Ajv = (mod.default.default ?? mod.default) as new (o: object) => { compile(s: object): Validate };
  try {
    return new Ajv({ allErrors: false, strict: false }).compile(schema);
  } catch (error) {
    throw new ConfigurationError(`${site.where}: invalid JSON Schema in \`is-json\`: ${(error as Error).message}.`);
  }
}

function parseJson(output: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(output) };
  } catch {
    return { ok: false };
  }
}

export async function isJson(spec: AssertionSpec, site: AssertionSite): Promise<{ check(run: { output: string }): Check }> {
  const schema = spec.schema ?? (typeof spec.value === 'object' && spec.value !== null ? spec.value : undefined);
  const validate = schema === undefined ? undefined : await compileSchema(schema, site);
  return {
    check: ({ output }) => {
      const parsed = parseJson(output);
      if (!parsed.ok) return { pass: false, reason: `not JSON: ${excerpt(output)}` };
      if (validate && !validate(parsed.value)) {
        const e = validate.errors?.[0];
        return { pass: false, reason: `JSON does not match the schema: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim() };
      }
      return { pass: true };
    },
  };
}

/** `json-path: $.answer` passes when the path matches; with `equals:` the first match must equal it. */
export function jsonPath(spec: AssertionSpec, site: AssertionSite): { check(run: { output: string }): Check } {
  const path = spec.value ?? spec.path;
  if (typeof path !== 'string' || !path.startsWith('$')) throw new ConfigurationError(`${site.where}: \`json-path\` needs a JSONPath starting with \`$\`, got ${JSON.stringify(path ?? null)}.`);
  try {
    JSONPath.toPathArray(path);
  } catch (error) {
    throw new ConfigurationError(`${site.where}: invalid JSONPath ${JSON.stringify(path)}: ${(error as Error).message}.`);
  }
  const hasExpected = 'equals' in spec;
  return {
    check: ({ output }) => {
      const parsed = parseJson(output);
      if (!parsed.ok) return { pass: false, reason: `not JSON: ${excerpt(output)}` };
      const found = JSONPath({ path, json: parsed.value as object, wrap: true }) as unknown[];
      if (found.length === 0) return { pass: false, reason: `${path} matched nothing` };
      if (hasExpected && !isDeepStrictEqual(found[0], spec.equals)) {
        return { pass: false, reason: `${path} is ${excerpt(JSON.stringify(found[0]))}, expected ${excerpt(JSON.stringify(spec.equals))}` };
      }
      return { pass: true };
    },
  };
}
