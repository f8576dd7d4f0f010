import { createCloudWatchClient } from '../../shared/metrics/cloudwatch-client.js';
import { CloudWatchProvider } from '../../shared/metrics/cloudwatch.js';
import { checkPrometheusUrl } from '../../shared/metrics/prometheus-check.js';
import { PrometheusProvider } from '../../shared/metrics/prometheus.js';
import type { MetricsProvider } from '../../shared/metrics/provider.js';
import type { ProviderSettings } from './provider-inputs.js';

/** The one place the metrics provider is built (monitor-canary, auto-rollback's watch); Prometheus is probed first (refusal, HTML). */
export async function connectProvider(settings: ProviderSettings): Promise<MetricsProvider> {
  if (settings.provider === 'prometheus') {
    const url = settings['prometheus-url']!;
    await checkPrometheusUrl(url);
    return new PrometheusProvider({ url });
  }
  return new CloudWatchProvider(await createCloudWatchClient(settings['aws-region']!));
}
