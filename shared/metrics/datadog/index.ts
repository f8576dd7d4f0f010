import { ConfigurationError, invalidInput } from '../../errors.js';
import { optionalInput } from '../../action/inputs.js';
import { maskSecret } from '../../action/secrets.js';
import type { ProviderModule } from '../module.js';
import { TARGET_PATTERN } from '../template.js';

/** A metric read from Datadog: metrics queries with `{{target}}` (and `{{interval}}`), see measure.ts. */
export interface DatadogSource {
  provider: 'datadog';
  /** Bad events (ratio metrics, as counts: `.as_count()`) or the value. */
  query: string;
  /** Ratio metrics: all events. */
  total?: string;
}

const query = (what: string) => ({
  type: 'string',
  pattern: TARGET_PATTERN,
  description: `${what} A Datadog metrics query with \`{{target}}\` as the version tag's value (and \`{{interval}}\`, in seconds).`,
  'x-expected': 'a query containing `{{target}}` (replaced by canary and stable/baseline so both targets are measured)',
});

/** `datadog-site`: a Datadog site (`datadoghq.com`, `datadoghq.eu`, `us5.datadoghq.com`...) or the API's base URL (a proxy). */
export function datadogBaseUrl(site: string): string {
  if (/^https?:\/\//.test(site)) {
    let url: URL;
    try {
      url = new URL(site);
    } catch {
      throw invalidInput('datadog-site', site, 'a Datadog site such as `datadoghq.com` or `datadoghq.eu`, or the http(s) base URL of its API');
    }
    if (url.search || url.hash || url.username || url.password) throw invalidInput('datadog-site', site, 'a base URL with no query string and no credentials (the keys go in DD_API_KEY and DD_APP_KEY)');
    return url.origin + url.pathname.replace(/\/+$/, '');
  }
  if (!/^([a-z0-9-]+\.)*(datadoghq\.com|datadoghq\.eu|ddog-gov\.com)$/.test(site)) {
    throw invalidInput('datadog-site', site, 'a Datadog site such as `datadoghq.com`, `us5.datadoghq.com` or `datadoghq.eu`, or the http(s) base URL of its API');
  }
  // The API lives at api.<site>; app.datadoghq.com is written as the site by some (its API is api.datadoghq.com).
  return `https://api.${site.replace(/^app\./, '')}`;
}

export const datadog: ProviderModule<DatadogSource> = {
  name: 'datadog',
  needs: '`query` (and `total` for a ratio), Datadog queries containing `{{target}}`',
  properties: {
    query: query('Datadog: bad events as a count over the interval (ratio: `sum:trace.http.request.errors{service:agent,version:{{target}}}.as_count()`), or the value.'),
    total: query('Datadog, ratio metrics: all events (the denominator), as a count over the interval.'),
  },
  required: (kind) => (kind === 'ratio' ? ['query', 'total'] : ['query']),
  parseSource(entry, kind, stat, errors) {
    if (kind === 'histogram') throw errors.field('kind', kind, '`ratio` or `value` with provider datadog (histogram metrics read Prometheus bucket counts by `le`)');
    if (stat !== undefined) throw errors.field('stat', stat, 'no `stat` with provider datadog (the query aggregates, e.g. `p95:`)');
    if (kind === 'value' && entry.total !== undefined) throw errors.field('total', entry.total, 'no `total` for a value metric (only ratio metrics have a denominator)');
    const source: DatadogSource = { provider: 'datadog', query: String(entry.query).trim() };
    if (entry.total !== undefined) source.total = String(entry.total).trim();
    return source;
  },
  readInputs(_intervalMs, action) {
    const baseUrl = datadogBaseUrl(optionalInput('datadog-site') ?? 'datadoghq.com');
    const apiKey = process.env.DD_API_KEY?.trim();
    const appKey = process.env.DD_APP_KEY?.trim();
    maskSecret(apiKey);
    maskSecret(appKey);
    if (!apiKey || !appKey) {
      const missing = [!apiKey && 'DD_API_KEY', !appKey && 'DD_APP_KEY'].filter(Boolean).join(' and ');
      throw new ConfigurationError(`${missing} must be set in the environment with \`provider: datadog\` ${action} (from secrets: \`env: DD_API_KEY: \${{ secrets.DD_API_KEY }}\`).`);
    }
    return { 'datadog-site': baseUrl };
  },
  async connect(inputs) {
    const { DatadogProvider } = await import('./measure.js');
    // The keys are read here, not carried in the settings: they never reach state, reports or logs.
    return new DatadogProvider({ baseUrl: inputs['datadog-site'], apiKey: process.env.DD_API_KEY!.trim(), appKey: process.env.DD_APP_KEY!.trim() });
  },
};
