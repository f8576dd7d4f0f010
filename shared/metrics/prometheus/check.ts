import { invalidInput } from '../../errors.js';
import { ProviderError } from '../provider.js';
import { queryInstant, type PrometheusApiOptions } from './api.js';
import { withRetry, type RetryPolicy } from '../retry.js';

/**
 * Checks at the edge, before any traffic moves, that `prometheus-url` is a Prometheus query API: a URL
 * that refuses, times out or answers with an HTML page (a login page, a UI URL) is a configuration error.
 */
export async function checkPrometheusUrl(url: string, options: PrometheusApiOptions & { retry?: RetryPolicy } = {}): Promise<void> {
  try {
    await withRetry(() => queryInstant(url, 'vector(1)', Math.floor(Date.now() / 1000), { timeoutMs: 5_000, ...options }), options.retry ?? { attempts: 2, firstDelayMs: 500 });
  } catch (error) {
    const why = error instanceof ProviderError ? error.message : String(error);
    throw invalidInput('prometheus-url', url, `the base URL of a Prometheus HTTP API that answers \`/api/v1/query\` (${why})`);
  }
}

/** A Prometheus base URL: http(s), no query string. */
export function parsePrometheusUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidInput('prometheus-url', value, 'an http:// or https:// URL such as `http://prometheus.monitoring:9090`');
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash) {
    throw invalidInput('prometheus-url', value, 'an http:// or https:// URL with no query string, such as `http://prometheus.monitoring:9090`');
  }
  return value.replace(/\/+$/, '');
}
