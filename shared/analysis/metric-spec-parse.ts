import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigurationError, quote } from '../errors.js';
import type { JsonSchema, SpecErrors } from '../metrics/module.js';
import { providerModule, type ProviderName } from '../metrics/registry.js';
import { metricsSchema } from '../metrics/schema.js';
import { parseYamlBlock } from '../parse/yaml.js';
import type { Direction, MetricKind, MetricSpec, MissingDataPolicy } from './metric-spec.js';

// ajv is CommonJS: under Node's ESM interop its class may sit on the default export's `default`.
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;

function list(choices: readonly unknown[]): string {
  return choices.map((c) => `\`${String(c)}\``).join(', ');
}

function show(value: unknown): string {
  return typeof value === 'string' ? quote(value) : quote(JSON.stringify(value) ?? String(value));
}

/** Builds errors that name the input, the metric, the field, the value and what was expected. */
class Where implements SpecErrors {
  constructor(private readonly input: string, private readonly label: string) {}
  error(message: string): ConfigurationError {
    return new ConfigurationError(`Invalid \`${this.input}\`: ${this.label}: ${message}`);
  }
  field(field: string, value: unknown, expected: string): ConfigurationError {
    return this.error(`\`${field}\` is ${show(value)}. Expected ${expected}.`);
  }
}

/** One validator per provider (and one for none: replay and editors), compiled on first use. */
const validators = new Map<string, { validate: ValidateFunction; schema: JsonSchema }>();

function validatorFor(provider: ProviderName | undefined) {
  const key = provider ?? '';
  let found = validators.get(key);
  if (!found) {
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictRequired: false, strictTypes: false });
    ajv.addVocabulary(['x-expected', 'x-message', 'x-provider', 'x-missing']);
    const schema = metricsSchema(provider);
    found = { validate: ajv.compile(schema), schema };
    validators.set(key, found);
  }
  return found;
}

/** What a field expects, from its schema: its `x-expected`, or its choices. */
function expectedOf(schema: JsonSchema | undefined): string {
  if (!schema) return 'a valid value';
  if (typeof schema['x-expected'] === 'string') return schema['x-expected'];
  if (Array.isArray(schema.enum)) return `one of ${list(schema.enum)}`;
  return String(schema.description ?? 'a valid value');
}

/** The error a user reads for the schema's first complaint about `entries`. */
function explain(errors: ErrorObject[], entries: unknown[], input: string, schema: JsonSchema): ConfigurationError {
  const e = errors.find((x) => x.keyword === 'anyOf') ?? errors.find((x) => x.keyword !== 'if') ?? errors[0];
  const [, index, ...rest] = e.instancePath.split('/');
  const i = Number(index);
  const entry = entries[i] as Record<string, unknown>;
  const name = entry.name;
  const position = `item ${i + 1}`;
  const where = new Where(input, typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) ? `metric '${name}' (${position})` : position);
  const properties = ((schema.definitions as JsonSchema).metric as JsonSchema).properties as Record<string, JsonSchema>;
  const parent = (e.parentSchema ?? {}) as JsonSchema;
  const field = rest.join('.');
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (typeof parent['x-missing'] === 'string') return where.error(`\`${missing}\` is missing. Expected ${parent['x-missing']}.`);
      if (typeof parent['x-provider'] === 'string') {
        const module = providerModule(parent['x-provider'] as ProviderName);
        return where.error(`\`${missing}\` is missing. Expected ${module.needs} (provider ${module.name}).`);
      }
      return where.error(`\`${missing}\` is missing. Expected ${expectedOf(properties[missing])}.`);
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return where.error(`unknown field \`${extra}\`. Expected one of ${list(Object.keys(properties))}.`);
    }
    case 'anyOf':
      if (typeof parent['x-message'] === 'string') return where.error(parent['x-message']);
      return where.field(field, e.data, expectedOf(parent));
    case 'type':
      if (e.params && (e.params as { type: string }).type === 'object' && field === '') {
        return new ConfigurationError(`Invalid \`${input}\`: ${position} is ${show(e.data)}. Expected a mapping with \`name\`, \`kind\` and bounds.`);
      }
      return where.field(field, e.data, expectedOf(parent));
    default:
      return where.field(field, e.data, expectedOf(parent));
  }
}

function fraction(where: Where, value: unknown): number {
  const n = typeof value === 'number' ? value : String(value).includes('%') ? Number(String(value).replace('%', '')) / 100 : Number(value);
  if (!(n > 0)) throw where.field('max-increase', value, 'a percentage such as `50%` or a fraction such as 0.5, greater than 0');
  return n;
}

/** One entry the schema accepted, to a spec: the engine's fields, and its provider's (when one is given). */
function toSpec(entry: Record<string, unknown>, index: number, input: string, provider: ProviderName | undefined): MetricSpec {
  const name = String(entry.name).trim();
  const where = new Where(input, `metric '${name}' (item ${index + 1})`);
  const kind = entry.kind as MetricKind;
  const spec: MetricSpec = { name, kind, direction: (entry.direction as Direction | undefined) ?? 'lower-is-better' };
  if (entry['on-missing-data'] !== undefined) spec.onMissingData = entry['on-missing-data'] as MissingDataPolicy;
  if (entry.critical !== undefined) spec.critical = entry.critical as boolean;
  if (entry['dry-run'] === true) spec.dryRun = true;
  if (entry.max !== undefined) spec.max = entry.max as number;
  if (entry.min !== undefined) spec.min = entry.min as number;
  if (spec.max !== undefined && spec.min !== undefined && spec.min > spec.max) throw where.field('min', entry.min, `a value at most \`max\` (${spec.max})`);
  if (entry['max-increase'] !== undefined) {
    spec.maxIncrease = fraction(where, entry['max-increase']);
    if (spec.direction === 'higher-is-better' && spec.maxIncrease >= 1) {
      throw where.field('max-increase', entry['max-increase'], 'less than 100% for a higher-is-better metric (it is the allowed drop)');
    }
  }
  if (entry.quantile !== undefined) {
    if (kind !== 'histogram') throw where.field('quantile', entry.quantile, 'no `quantile` unless `kind: histogram` (a value metric\'s query computes its quantile)');
    spec.quantile = entry.quantile as number;
  }
  const stat = entry.stat as string | undefined;
  if (kind === 'histogram' && stat !== undefined) throw where.field('stat', stat, 'no `stat` for a histogram metric (it judges its `quantile` from the bucket counts)');
  if (provider) spec.source = providerModule(provider).parseSource(entry, kind, stat, where);
  if (stat !== undefined) spec.stat = stat;
  return spec;
}

/**
 * Parses and checks the `metrics` input (a YAML list, or the value already parsed) against the metrics schema
 * (schemas/metrics.schema.json): with `provider`, its fields are required and kept as the metric's `source`;
 * without one (replay) any provider's fields are allowed and left out, the trace bringing the data.
 */
export function parseMetricSpecs(value: unknown, inputName = 'metrics', provider?: ProviderName): MetricSpec[] {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.trim() === '') throw new ConfigurationError(`Invalid \`${inputName}\`: it is empty. Expected a YAML list of metrics, each with \`name\`, \`kind\` and bounds.`);
    parsed = parseYamlBlock(value, inputName);
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    throw new ConfigurationError(`Invalid \`${inputName}\`: a single mapping. Expected a YAML list: start each metric with \`- name: ...\`.`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(`Invalid \`${inputName}\`: ${show(parsed)}. Expected a non-empty YAML list of metrics, each with \`name\`, \`kind\` and bounds.`);
  }
  const { validate, schema } = validatorFor(provider);
  if (!validate(parsed)) throw explain(validate.errors ?? [], parsed, inputName, schema);
  const specs = parsed.map((raw, i) => toSpec(raw as Record<string, unknown>, i, inputName, provider));
  const seen = new Map<string, number>();
  specs.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) {
      throw new ConfigurationError(`Invalid \`${inputName}\`: metric '${s.name}' appears twice (items ${first + 1} and ${i + 1}). Expected unique names.`);
    }
    seen.set(s.name, i);
  });
  return specs;
}
