import { HookFields } from './hook-fields.js';
import type { HttpHook, HttpTarget, StatusExpectation } from './types.js';
import { compileRegex } from '../parse/regex.js';

// The shape of each field (methods, header names, statuses, ports, bounds) is checked by
// schemas/hooks.schema.json before a hook gets here; this reads it and checks what a schema cannot say.

export const HTTP_DEFAULTS = { timeoutMs: 10_000, retries: 2, backoffMs: 1_000 };

export function parseHttpHook(f: HookFields): HttpHook {
  const method = (f.text('method') ?? 'GET').toUpperCase();
  const headers = parseHeaders(f);
  const body = parseBody(f);
  if (body?.json && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  return {
    kind: 'http',
    name: f.name,
    target: parseTarget(f),
    method,
    headers,
    body,
    expect: parseExpect(f),
    timeoutMs: f.duration('timeout', HTTP_DEFAULTS.timeoutMs),
    retries: typeof f.raw.retries === 'number' ? f.raw.retries : HTTP_DEFAULTS.retries,
    backoffMs: f.duration('backoff', HTTP_DEFAULTS.backoffMs),
  };
}

function parseTarget(f: HookFields): HttpTarget {
  if (f.has('url') === f.has('service')) {
    throw f.error('url', f.raw.url ?? '', 'exactly one of `url` (an absolute URL) or `service` (with `port` and `path`)');
  }
  if (f.has('url')) {
    for (const field of ['port', 'path', 'scheme']) if (f.has(field)) throw f.error(field, f.raw[field], '`port`, `path` and `scheme` only with `service`');
    return { via: 'url', url: parseUrl(f) };
  }
  const port = f.text('port');
  if (port === undefined) throw f.missing('port', 'a Service port number or name');
  // A port written as digits in quotes: the schema checks its form, its range is checked here.
  if (/^\d+$/.test(port) && (Number(port) < 1 || Number(port) > 65535)) throw f.error('port', port, 'a port number from 1 to 65535 or a Service port name');
  const path = f.templated('path', f.text('path') ?? '/', true);
  const scheme = f.raw.scheme === 'https' ? 'https' : 'http';
  return { via: 'service', service: String(f.raw.service), port, path, scheme };
}

function parseUrl(f: HookFields): string {
  const url = f.templated('url', String(f.raw.url), true);
  // Placeholders stand for values known only at run time; check the URL's shape with stand-ins.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.replace(/\{\{[^}]*\}\}/g, 'x'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw f.error('url', url, 'an absolute URL starting with `http://` or `https://`');
  }
  return url;
}

function parseHeaders(f: HookFields): Record<string, string> {
  const raw = (f.raw.headers ?? {}) as Record<string, string | number | boolean>;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) headers[name] = f.templated(`headers.${name}`, String(value), true);
  return headers;
}

function parseBody(f: HookFields): HttpHook['body'] {
  const raw = f.raw.body;
  if (raw === undefined || raw === null) return undefined;
  const json = typeof raw === 'object';
  return { text: f.templated('body', json ? JSON.stringify(raw) : String(raw), true), json };
}

function parseExpect(f: HookFields): HttpHook['expect'] {
  const raw = (f.raw.expect ?? {}) as { status?: unknown; body?: unknown; 'body-matches'?: string };
  const status = raw.status === undefined ? { codes: [], classes: [2] } : parseStatus(raw.status);
  const bodyContains = raw.body === undefined || raw.body === null ? undefined : String(raw.body);
  let bodyMatches: RegExp | undefined;
  const pattern = raw['body-matches'];
  if (pattern !== undefined && pattern !== null) {
    try {
      bodyMatches = compileRegex(pattern);
    } catch (error) {
      throw f.error('expect.body-matches', pattern, `a regular expression (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return { status, bodyContains, bodyMatches };
}

/** `200`, `2xx`, or a list of them (their form checked by the schema). */
function parseStatus(raw: unknown): StatusExpectation {
  const out: StatusExpectation = { codes: [], classes: [] };
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const text = String(item);
    if (/^[1-5]xx$/i.test(text)) out.classes.push(Number(text[0]));
    else out.codes.push(Number(text));
  }
  return out;
}
