import { ConfigurationError } from '../../errors.js';
import { maskSecret } from '../../action/secrets.js';
import { headerProblem } from './headers.js';
import { placeholders } from './template.js';
import type { EndpointKind, EndpointSpec, SuiteSettings } from '../suite.js';

export interface EndpointOverrides {
  /** The `endpoint` input: replaces the suite's URL. */
  url?: string;
  /** The `api-key` input: sent as a bearer token. */
  apiKey?: string;
  timeoutMs: number;
  retries: number;
}

/**
 * The endpoint to evaluate: the suite's `endpoint:` block (its shape checked by the suite schema) with the
 * action's inputs on top, checked before any request.
 */
export function resolveEndpoint(suite: SuiteSettings['endpoint'], overrides: EndpointOverrides, suitePath: string): EndpointSpec {
  const s = suite ?? {};
  const where = `Suite ${suitePath}`;
  const kind = (s.type ?? s.kind ?? 'openai-chat') as EndpointKind;
  const url = overrides.url ?? s.url;
  if (!url) throw new ConfigurationError('No endpoint: set the `endpoint` input or `endpoint.url` in the suite.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`Invalid \`endpoint\`: '${url}'. Expected an http(s) URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigurationError(`Invalid \`endpoint\`: '${url}'. Expected an http(s) URL.`);
  // Credentials in the URL would otherwise show in every endpoint error message.
  maskSecret(decodeURIComponent(parsed.password));
  const headers = { ...(s.headers ?? {}) } as Record<string, string>;
  if (overrides.apiKey) {
    if (/[\r\n\0]/.test(overrides.apiKey)) throw new ConfigurationError('The `api-key` input has a line break or NUL in it (a secret saved with a trailing newline?): it cannot be sent as a header.');
    headers.authorization = `Bearer ${overrides.apiKey}`;
  }
  for (const [k, v] of Object.entries(headers)) {
    const problem = headerProblem(k, v);
    if (problem) throw new ConfigurationError(`${where}: endpoint ${problem}.`);
  }
  const raw = s as Record<string, unknown>;
  const responsePath = raw['response-path'] as string | undefined;
  const unknown = placeholders(s.request).filter((p) => p !== 'input' && !p.startsWith('vars.'));
  if (unknown.length) throw new ConfigurationError(`${where}: endpoint \`request\` uses unknown placeholder {{${unknown[0]}}}. Expected {{input}} or {{vars.NAME}}.`);
  if (kind === 'http-json' && s.request !== undefined && !placeholders(s.request).includes('input')) {
    throw new ConfigurationError(`${where}: endpoint \`request\` never uses {{input}}, so every case would send the same request.`);
  }
  const stream = raw.stream === true;
  if (stream && kind !== 'openai-chat') throw new ConfigurationError(`${where}: endpoint \`stream: true\` needs \`type: openai-chat\` (Server-Sent Events as the OpenAI API streams them).`);
  const price = raw['price-per-1k-tokens'] as { input?: number; output?: number } | undefined;
  return {
    kind,
    stream,
    price: price && { input: price.input ?? 0, output: price.output ?? 0 },
    url: parsed.href,
    model: typeof s.model === 'string' ? s.model : undefined,
    system: typeof s.system === 'string' ? s.system : undefined,
    params: typeof s.params === 'object' && s.params !== null ? (s.params as Record<string, unknown>) : undefined,
    request: s.request,
    responsePath,
    headers,
    timeoutMs: overrides.timeoutMs,
    retries: overrides.retries,
  };
}
