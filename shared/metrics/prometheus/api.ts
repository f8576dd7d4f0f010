import { ProviderError } from '../provider.js';
import { errorMessage } from '../../errors.js';
import { splitUrlCredentials } from '../../parse/url-credentials.js';

/** One series of an instant query: its labels and its value (`NaN` stays `NaN`). */
export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusApiOptions {
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Extra headers, e.g. `Authorization` for a hosted Prometheus. */
  headers?: Record<string, string>;
}

interface ApiAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * Runs an instant query at `time` (seconds) through the HTTP API (`POST /api/v1/query`, form body, so
 * long queries fit). Throws ProviderError: retryable for refused/timeout/5xx/non-JSON answers, final
 * for a query Prometheus rejects (`bad_data`).
 */
export async function queryInstant(urlWithCredentials: string, query: string, time: number, options: PrometheusApiOptions = {}): Promise<PromSample[]> {
  // `http://user:pass@host` is basic auth: sent as a header, and the URL shown in errors carries no password.
  const { url: baseUrl, authorization } = splitUrlCredentials(urlWithCredentials);
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query`;
  const body = new URLSearchParams({ query, time: String(time) });
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(authorization && { authorization }), ...options.headers },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new ProviderError(`Prometheus at ${baseUrl} could not be reached: ${describeFetchError(error)}`, true);
  }
  const text = await response.text();
  const answer = parseAnswer(text);
  if (!answer) {
    const kind = /^\s*</.test(text) ? 'an HTML page' : 'a non-JSON answer';
    throw new ProviderError(`Prometheus at ${baseUrl} answered HTTP ${response.status} with ${kind} instead of the query API's JSON`, true);
  }
  if (answer.status !== 'success') {
    const retryable = response.status >= 500 || answer.errorType === 'timeout' || answer.errorType === 'unavailable';
    throw new ProviderError(`Prometheus rejected the query ${query}: ${answer.errorType ?? 'error'}: ${answer.error ?? `HTTP ${response.status}`}`, retryable);
  }
  return samplesOf(answer.data);
}

function parseAnswer(text: string): ApiAnswer | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && 'status' in value ? (value as ApiAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function samplesOf(data: ApiAnswer['data']): PromSample[] {
  const result = data?.result;
  if (data?.resultType === 'scalar' && Array.isArray(result)) return [{ labels: {}, value: Number(result[1]) }];
  if (data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw new ProviderError(`Prometheus returned a ${data?.resultType ?? 'missing'} result; the query must return an instant vector or a scalar`, false);
  }
  return (result as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => ({
    labels: r.metric ?? {},
    value: Number(r.value?.[1]),
  }));
}

/** `fetch failed` hides the cause (ECONNREFUSED, ENOTFOUND); bring it out. */
export function describeFetchError(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (jest's VM), where instanceof fails.
  const e = error as { name?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError') return 'timed out';
  if (e?.cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  if (e?.cause?.message) return e.cause.message;
  return errorMessage(error);
}
