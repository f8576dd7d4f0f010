import type { MetricsProvider } from './provider.js';
import { providerModule } from './registry.js';
import type { ProviderSettings } from './settings.js';

/** The one place a metrics provider is built (monitor-canary, auto-rollback's watch), by its own module, which probes it first where it can. */
export function connectProvider(settings: ProviderSettings): Promise<MetricsProvider> {
  return providerModule(settings.provider).connect(settings.inputs);
}
