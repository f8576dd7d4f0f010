import { HISTOGRAM_QUANTILE, METRIC_PROPERTIES, METRIC_REQUIRED, NO_BOUND, RATIO_BOUND } from '../analysis/metric-spec-schema.js';
import type { JsonSchema } from './module.js';
import { PROVIDERS, providerModule, type ProviderName } from './registry.js';

export const METRICS_SCHEMA_ID = 'https://raw.githubusercontent.com/org/ai-deploy/v1/schemas/metrics.schema.json';

const isRatio = { properties: { kind: { const: 'ratio' } }, required: ['kind'] };

/** Every provider's fields in one set of properties (a field two providers share, such as `total`, described once for each). */
function allProviderProperties(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const p of PROVIDERS) {
    for (const [field, schema] of Object.entries(p.properties)) {
      const seen = out[field];
      // A field two providers share with different rules (`total`: a query, or a metric name): either one's.
      const { description, ...rules } = schema;
      out[field] = !seen ? schema : { anyOf: [...((seen.anyOf as JsonSchema[] | undefined) ?? [withoutDescription(seen)]), rules], description: `${String(seen.description)} ${String(description)}` };
    }
  }
  return out;
}

function withoutDescription(schema: JsonSchema): JsonSchema {
  const { description: _, ...rules } = schema;
  return rules;
}

/**
 * The schema of the `metrics` YAML: the engine's fields (shared/analysis/metric-spec-schema.ts) and, with
 * `provider`, that provider's fragment and the fields it requires; without one (what editors and replay read),
 * every provider's fields, none required. schemas/metrics.schema.json is this without a provider (a spec checks).
 */
export function metricsSchema(provider?: ProviderName): JsonSchema {
  const module = provider ? providerModule(provider) : undefined;
  const providerProperties = module ? module.properties : allProviderProperties();
  const allOf: JsonSchema[] = [
    { anyOf: [{ required: ['max'] }, { required: ['min'] }, { required: ['max-increase'] }], 'x-message': NO_BOUND },
    {
      if: isRatio,
      then: { properties: { max: { minimum: 0, maximum: 1, 'x-expected': RATIO_BOUND }, min: { minimum: 0, maximum: 1, 'x-expected': RATIO_BOUND } } },
    },
    { if: { properties: { kind: { const: 'histogram' } }, required: ['kind'] }, then: { required: ['quantile'], 'x-missing': HISTOGRAM_QUANTILE } },
  ];
  if (module) {
    allOf.push({ if: isRatio, then: { required: module.required('ratio'), 'x-provider': module.name }, else: { required: module.required('value'), 'x-provider': module.name } });
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: METRICS_SCHEMA_ID,
    title: 'ai-deploy metrics',
    description:
      'The `metrics` input of monitor-canary and auto-rollback: the metrics a canary is judged by, each with its bounds and where its data comes from. Docs: docs/metrics.md.',
    type: 'array',
    minItems: 1,
    items: { $ref: '#/definitions/metric' },
    definitions: {
      metric: {
        type: 'object',
        required: METRIC_REQUIRED,
        additionalProperties: false,
        properties: { ...METRIC_PROPERTIES, ...providerProperties },
        allOf,
      },
    },
  };
}
