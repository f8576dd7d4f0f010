import { ConfigurationError } from '../errors.js';
import { cloudwatch, type CloudWatchSource } from './cloudwatch/index.js';
import { datadog, type DatadogSource } from './datadog/index.js';
import type { ProviderModule } from './module.js';
import { prometheus, type PrometheusSource } from './prometheus/index.js';

/**
 * Every metrics provider, in the order they are listed to users. The `provider` inputs, the metrics schema
 * (schemas/metrics.schema.json), its docs and the errors all read this list: adding a provider is its folder
 * and one line here.
 */
export const PROVIDERS = [prometheus, cloudwatch, datadog] as const;

export type ProviderName = (typeof PROVIDERS)[number]['name'];
export const PROVIDER_NAMES: readonly ProviderName[] = PROVIDERS.map((p) => p.name);

/** Where one metric's data comes from: the fields its provider adds to it. */
export type MetricSource = PrometheusSource | CloudWatchSource | DatadogSource;

export function providerModule(name: ProviderName): ProviderModule<MetricSource> {
  const found = (PROVIDERS as readonly ProviderModule[]).find((p) => p.name === name);
  if (!found) throw new ConfigurationError(`Unknown metrics provider '${name}'. Expected one of ${PROVIDER_NAMES.map((n) => `\`${n}\``).join(', ')}.`);
  return found as ProviderModule<MetricSource>;
}
