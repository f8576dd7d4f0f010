import { describeFetchError } from '../prometheus/api.js';
import { ProviderError } from '../provider.js';

/** Where and how to reach the Datadog API: its base URL (from `datadog-site`) and the two keys. */
export interface DatadogApiOptions {
  baseUrl: string;
  apiKey: string;
  appKey: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** One series of a v1 query: its scope (the tags it is for) and its points' values (nulls left out). */
export interface DatadogSeries {
  scope: string;
  values: number[];
}

interface QueryAnswer {
  status?: string;
  error?: string;
  errors?: unknown;
  series?: { scope?: string; pointlist?: [number, number | null][] }[];
}

/**
 * Runs a metrics query over [from, to) seconds through the v1 API (`GET /api/v1/query`), the keys in
 * `DD-API-KEY` and `DD-APPLICATION-KEY`. Throws ProviderError: retryable for refused/timeout/429/5xx/non-JSON
 * answers, final for a query or key Datadog rejects (400, 403) and for a query that ends in `status: error`.
 */
export async function queryMetrics(options: DatadogApiOptions, query: string, from: number, to: number): Promise<DatadogSeries[]> {
  const url = new URL('/api/v1/query', options.baseUrl);
  url.search = new URLSearchParams({ from: String(from), to: String(to), query }).toString();
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', 'DD-API-KEY': options.apiKey, 'DD-APPLICATION-KEY': options.appKey },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new ProviderError(`Datadog at ${options.baseUrl} could not be reached: ${describeFetchError(error)}`, true);
  }
  const text = await response.text();
  const answer = parse(text);
  const retryable = response.status === 429 || response.status >= 500;
  if (!answer) {
    const kind = /^\s*</.test(text) ? 'an HTML page' : 'a non-JSON answer';
    throw new ProviderError(`Datadog at ${options.baseUrl} answered HTTP ${response.status} with ${kind} instead of the query API's JSON`, true);
  }
  if (!response.ok) {
    const why = Array.isArray(answer.errors) ? answer.errors.join('; ') : (answer.error ?? '');
    const hint = response.status === 403 ? ' (check DD_API_KEY, DD_APP_KEY and the key\'s timeseries_query permission)' : '';
    throw new ProviderError(`Datadog refused the query ${query}: HTTP ${response.status}${why ? `: ${why}` : ''}${hint}`, retryable);
  }
  if (answer.status !== undefined && answer.status !== 'ok') {
    throw new ProviderError(`Datadog could not run the query ${query}: ${answer.error ?? answer.status}`, false);
  }
  return (answer.series ?? []).map((s) => ({
    scope: s.scope ?? '',
    values: (s.pointlist ?? []).map((p) => p[1]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  }));
}

function parse(text: string): QueryAnswer | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as QueryAnswer) : undefined;
  } catch {
    return undefined;
  }
}
