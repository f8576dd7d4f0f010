import { ConfigurationError } from '../../errors.js';
import { optionalInput } from '../../action/inputs.js';
import { maskUrlCredentials } from '../../action/secrets.js';
import type { ProviderModule } from '../module.js';
import { TARGET_PATTERN } from '../template.js';
import { checkPrometheusUrl, parsePrometheusUrl } from './check.js';

/** A metric read from Prometheus: instant queries with `{{target}}` (and `{{interval}}`), see measure.ts. */
export interface PrometheusSource {
  provider: 'prometheus';
  /** Bad events (ratio metrics, as counts over the interval) or the value. */
  query: string;
  /** Ratio metrics: all events. */
  total?: string;
}

const query = (what: string) => ({
  type: 'string',
  pattern: TARGET_PATTERN,
  description: `${what} A PromQL query with \`{{target}}\` where the version label goes and \`{{interval}}\` for the range.`,
  'x-expected': 'a query containing `{{target}}` (replaced by canary and stable/baseline so both targets are measured)',
});

export const prometheus: ProviderModule<PrometheusSource> = {
  name: 'prometheus',
  needs: '`query` (and `total` for a ratio), PromQL containing `{{target}}`',
  properties: {
    query: query('Prometheus: bad events as a count over the interval (ratio: `sum(increase(errors{version="{{target}}"}[{{interval}}]))`), the value, or (histogram) bucket counts by `le` (`sum by (le) (increase(http_request_duration_seconds_bucket{version="{{target}}"}[{{interval}}]))`).'),
    total: query('Prometheus, ratio metrics: all events (the denominator), as a count over the interval.'),
  },
  required: (kind) => (kind === 'ratio' ? ['query', 'total'] : ['query']),
  parseSource(entry, kind, stat, errors) {
    if (stat !== undefined) throw errors.field('stat', stat, 'no `stat` with provider prometheus (the query computes the value, e.g. with histogram_quantile)');
    if (kind !== 'ratio' && entry.total !== undefined) throw errors.field('total', entry.total, 'no `total` for a value metric (only ratio metrics have a denominator)');
    const source: PrometheusSource = { provider: 'prometheus', query: String(entry.query).trim() };
    if (entry.total !== undefined) source.total = String(entry.total).trim();
    return source;
  },
  readInputs(_intervalMs, action) {
    const url = optionalInput('prometheus-url');
    // Credentials in the URL (basic auth) are masked before the URL is checked, so no error can print them.
    maskUrlCredentials(url);
    if (!url) throw new ConfigurationError(`Input \`prometheus-url\` is required with \`provider: prometheus\` ${action}.`);
    return { 'prometheus-url': parsePrometheusUrl(url) };
  },
  async connect(inputs) {
    const { PrometheusProvider } = await import('./measure.js');
    const url = inputs['prometheus-url'];
    await checkPrometheusUrl(url);
    return new PrometheusProvider({ url });
  },
};

