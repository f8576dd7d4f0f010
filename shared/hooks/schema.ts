import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../schemas/hooks.schema.json' with { type: 'json' };

/** The JSON Schema of the `hooks` YAML (schemas/hooks.schema.json): what editors check and what the parser validates with. */
export const HOOKS_SCHEMA = schema as unknown as Record<string, unknown>;

// ajv is CommonJS: under Node's ESM interop its class is the default export's `default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as typeof AjvModule;
let validate: ValidateFunction | undefined;

export interface SchemaComplaint {
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
export function firstSchemaError(value: unknown): SchemaComplaint | undefined {
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
