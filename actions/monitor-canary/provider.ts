import { createCloudWatchClient } from '../../shared/metrics/cloudwatch-client.js';
import { CloudWatchProvider } from '../../shared/metrics/cloudwatch.js';
import { checkPrometheusUrl } from '../../shared/metrics/prometheus-check.js';
import { PrometheusProvider } from '../../shared/metrics/prometheus.js';
import type { MetricsProvider } from '../../shared/metrics/provider.js';
import type { Inputs } from './inputs.js';

/** The one place monitor-canary builds its metrics provider; Prometheus is probed first (refusal, HTML). */
export async function connectProvider(inputs: Inputs): Promise<MetricsProvider> {
  if (inputs.provider === 'prometheus') {
    const url = inputs['prometheus-url']!;
    await checkPrometheusUrl(url);
    return new PrometheusProvider({ url });
  }
  return new CloudWatchProvider(await createCloudWatchClient(inputs['aws-region']!));
}
