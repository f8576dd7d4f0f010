import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../schemas/hooks.schema.json' with { type: 'json' };
import { ConfigurationError } from '../errors.js';
import { HookFields, hookName, show, type RawHook } from './hook-fields.js';
import type { HookStage } from './types.js';

/** The JSON Schema of the `hooks` YAML (schemas/hooks.schema.json): what editors check and what the parser validates with. */
export const HOOKS_SCHEMA = schema as unknown as Record<string, unknown>;

// ajv is CommonJS: under Node's ESM interop its class is the default export's `default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as typeof AjvModule;
let validate: ValidateFunction | undefined;

interface SchemaComplaint {
  /** The first error: where (`instancePath`), which keyword, the value (`data`). */
  error: ErrorObject;
  /** What was expected there: the `expected` annotation of the nearest schema that holds one. */
  expected?: string;
}

const expectedOf = (schema: unknown): string | undefined => {
  const expected = (schema as { expected?: unknown } | undefined)?.expected;
  return typeof expected === 'string' ? expected : undefined;
};

/**
 * The schema's first complaint about a parsed `hooks` value, or undefined when it conforms. Compiled on
 * first use: most steps have no hooks and never pay for it. `expected` in the schema is an annotation
 * (what an error message says was expected); editors ignore it.
 */
function firstSchemaError(value: unknown): SchemaComplaint | undefined {
  if (!validate) {
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
    validate = ajv.compile(HOOKS_SCHEMA);
  }
  if (validate(value)) return undefined;
  const errors = validate.errors ?? [];
  const [error] = errors;
  if (error.keyword === 'required') {
    const properties = (error.parentSchema as { properties?: Record<string, unknown> }).properties;
    return { error, expected: expectedOf(properties?.[String(error.params.missingProperty)]) };
  }
  // An `anyOf` reports each branch's failure before its own: the annotation sits on the `anyOf`'s schema,
  // at the same place in the YAML or above it.
  const here = error.instancePath;
  const annotated = errors.find((e) => (here === e.instancePath || here.startsWith(`${e.instancePath}/`)) && expectedOf(e.parentSchema));
  return { error, expected: annotated && expectedOf(annotated.parentSchema) };
}

/** Throws the schema's first complaint about a parsed `hooks` value as a ConfigurationError; `allowed`: the stages this action runs. */
export function checkHooksShape(raw: unknown, input: string, allowedStages: readonly HookStage[]): void {
  const complaint = firstSchemaError(raw);
  if (complaint) throw schemaError(input, raw, complaint, allowedStages.map((s) => `\`${s}\``).join(', '));
}

/**
 * The schema's complaint in the words of the rest of the parser: the input, where in the YAML (stage,
 * hook, field), the value, and what was expected (the schema's `expected` annotation).
 */
function schemaError(input: string, raw: unknown, { error, expected: annotated }: SchemaComplaint, allowed: string): ConfigurationError {
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const expected = () => annotated ?? error.message ?? 'a value the schema allows';
  if (path.length === 0) {
    if (error.keyword === 'additionalProperties') {
      return new ConfigurationError(`Invalid \`${input}\`: unknown stage \`${String(error.params.additionalProperty)}\`. Expected ${allowed}.`);
    }
    return new ConfigurationError(`Invalid \`${input}\`: ${show(raw)}. Expected a mapping of stage (${allowed}) to a list of hooks.`);
  }
  const [stage, index, ...rest] = path;
  if (path.length === 1) return new ConfigurationError(`Invalid \`${input}\`: \`${stage}\` is ${show(error.data)}. Expected ${expected()}.`);
  const i = Number(index);
  const item = (raw as Record<string, unknown[]>)[stage][i];
  if (path.length === 2 && error.keyword === 'type') {
    return new ConfigurationError(`Invalid \`${input}\`: ${stage} hook #${i + 1} is ${show(item)}. Expected ${expected()}.`);
  }
  const f = new HookFields(input, stage as HookStage, hookName(item, i), item as RawHook);
  // Array positions (a list of statuses) are not fields: the list is.
  const field = rest.filter((p) => !/^\d+$/.test(p)).join('.');
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    const where = [field, missing].filter(Boolean).join('.');
    return new ConfigurationError(`${f.where(where)}: missing. Expected ${expected()}.`);
  }
  if (error.keyword === 'additionalProperties') {
    const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).map((k) => `\`${k}\``).join(', ');
    const key = String(error.params.additionalProperty);
    if (field === '') return new ConfigurationError(`${f.where()}: unknown field \`${key}\`. Expected only ${known}.`);
    return f.error(field, key, `only ${known}`);
  }
  if (error.propertyName !== undefined) return f.error(field, error.propertyName, expected());
  if (field === 'name') return new ConfigurationError(`Invalid \`${input}\`: ${stage} hook name ${show(error.data)}. Expected ${expected()}.`);
  return f.error(field, error.data, expected());
}
