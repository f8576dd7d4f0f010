import type { ConfigurationError } from '../errors.js';
import type { MetricKind } from '../analysis/metric-spec.js';
import type { MetricsProvider } from './provider.js';

/** A JSON Schema, or a fragment of one (draft-07). `x-expected` is what an error says was expected. */
export type JsonSchema = Record<string, unknown>;

/** Errors about one metric entry: they name the input, the metric, the field, the value and what was expected. */
export interface SpecErrors {
  error(message: string): ConfigurationError;
  field(field: string, value: unknown, expected: string): ConfigurationError;
}

/** A provider's own action inputs, by their action.yml names (`prometheus-url`, `aws-region`...), read and checked by it. */
export type ConnectionInputs = Readonly<Record<string, string>>;

/**
 * One metrics backend, everything about it in its folder (shared/metrics/<name>/): the fields it adds to a metric,
 * their checks, its action inputs, and how to build its client. Registered once in registry.ts, which inputs,
 * the schema, the docs and the errors read.
 */
export interface ProviderModule<Source extends { provider: string } = { provider: string }> {
  readonly name: Source['provider'];
  /** What a metric needs with this provider, for errors and docs, e.g. '`query` (PromQL with `{{target}}`)'. */
  readonly needs: string;
  /** Its fragment of the metrics schema: the fields it adds to a metric entry (JSON Schema properties). */
  readonly properties: Readonly<Record<string, JsonSchema>>;
  /** The fields a metric of `kind` must have with this provider. */
  required(kind: MetricKind): string[];
  /** Its fields of an entry the schema has accepted, with the checks a schema cannot state. */
  parseSource(entry: Readonly<Record<string, unknown>>, kind: MetricKind, stat: string | undefined, errors: SpecErrors): Source;
  /** Reads and checks its action inputs (`intervalMs`: the analysis interval); `action` says where it is required. */
  readInputs(intervalMs: number, action: string): ConnectionInputs;
  /** Builds the provider from its inputs, probing the backend where it can (a wrong URL fails before traffic moves). */
  connect(inputs: ConnectionInputs): Promise<MetricsProvider>;
}
