import { parseLabelName } from '../action/kubernetes-inputs.js';
import { HookFields, isMapping } from './hook-fields.js';
import type { HttpHook, HttpTarget, StatusExpectation } from './types.js';
import { compileRegex } from '../parse/regex.js';

const FIELDS = ['name', 'kind', 'url', 'service', 'port', 'path', 'scheme', 'method', 'headers', 'body', 'expect', 'timeout', 'retries', 'backoff'];
const EXPECT_FIELDS = ['status', 'body', 'body-matches'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A Service port name (IANA_SVC_NAME): lower-case letters, digits and '-', at least one letter, at most 15.
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const STATUS_EXPECTED = 'an HTTP status from 100 to 599, a class such as `2xx`, or a list of them';

export const HTTP_DEFAULTS = { timeoutMs: 10_000, retries: 2, backoffMs: 1_000 };

export function parseHttpHook(f: HookFields): HttpHook {
  f.onlyKeys(FIELDS);
  const method = (f.text('method', `one of ${METHODS.join(', ')}`) ?? 'GET').toUpperCase();
  if (!METHODS.includes(method)) throw f.error('method', f.raw.method, `one of ${METHODS.map((m) => `\`${m}\``).join(', ')}`);
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
    retries: f.integer('retries', HTTP_DEFAULTS.retries, { min: 0, max: 20 }),
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
  const service = f.reworded('service', () => parseLabelName(f.requiredText('service', 'a Service name'), f.input));
  const port = f.requiredText('port', 'a Service port number or name');
  const portNumber = Number(port);
  const portOk = /^\d+$/.test(port) ? portNumber >= 1 && portNumber <= 65535 : port.length <= 15 && PORT_NAME.test(port);
  if (!portOk) throw f.error('port', port, 'a port number from 1 to 65535 or a Service port name');
  const path = f.templated('path', f.text('path', 'a path starting with `/`') ?? '/', true);
  if (!path.startsWith('/')) throw f.error('path', path, 'a path starting with `/`');
  const scheme = f.text('scheme', '`http` or `https`') ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw f.error('scheme', scheme, '`http` or `https`');
  return { via: 'service', service, port, path, scheme };
}

function parseUrl(f: HookFields): string {
  const expected = 'an absolute URL starting with `http://` or `https://`';
  const url = f.templated('url', f.requiredText('url', expected), true);
  // Placeholders stand for values known only at run time; check the URL's shape with stand-ins.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url.replace(/\{\{[^}]*\}\}/g, 'x'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !/^https?:\/\//i.test(url)) {
    throw f.error('url', url, expected);
  }
  return url;
}

function parseHeaders(f: HookFields): Record<string, string> {
  const raw = f.raw.headers;
  if (raw === undefined || raw === null) return {};
  if (!isMapping(raw)) throw f.error('headers', raw, 'a mapping of header names to values');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!HEADER_NAME.test(name)) throw f.error('headers', name, 'header names made of letters, digits and `-`');
    if (value === null || typeof value === 'object') throw f.error(`headers.${name}`, value, 'a text value');
    headers[name] = f.templated(`headers.${name}`, String(value), true);
  }
  return headers;
}

function parseBody(f: HookFields): HttpHook['body'] {
  const raw = f.raw.body;
  if (raw === undefined || raw === null) return undefined;
  const json = typeof raw === 'object';
  return { text: f.templated('body', json ? JSON.stringify(raw) : String(raw), true), json };
}

function parseExpect(f: HookFields): HttpHook['expect'] {
  const raw = f.raw.expect ?? {};
  if (!isMapping(raw)) throw f.error('expect', raw, 'a mapping with `status`, `body` or `body-matches`');
  for (const key of Object.keys(raw)) {
    if (!EXPECT_FIELDS.includes(key)) throw f.error('expect', key, `only ${EXPECT_FIELDS.map((k) => `\`${k}\``).join(', ')}`);
  }
  const status = raw.status === undefined ? { codes: [], classes: [2] } : parseStatus(f, raw.status);
  const bodyContains = raw.body === undefined || raw.body === null ? undefined : String(raw.body);
  if (bodyContains === '' || (bodyContains !== undefined && typeof raw.body === 'object')) {
    throw f.error('expect.body', raw.body, 'a text the answer must contain');
  }
  let bodyMatches: RegExp | undefined;
  if (raw['body-matches'] !== undefined && raw['body-matches'] !== null) {
    const pattern = raw['body-matches'];
    try {
      if (typeof pattern !== 'string' || pattern === '') throw new Error('not text');
      bodyMatches = compileRegex(pattern);
    } catch (error) {
      throw f.error('expect.body-matches', pattern, `a regular expression (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return { status, bodyContains, bodyMatches };
}

function parseStatus(f: HookFields, raw: unknown): StatusExpectation {
  const items = Array.isArray(raw) ? raw : [raw];
  const out: StatusExpectation = { codes: [], classes: [] };
  if (items.length === 0) throw f.error('expect.status', raw, STATUS_EXPECTED);
  for (const item of items) {
    const text = typeof item === 'number' || typeof item === 'string' ? String(item).trim() : '';
    const cls = /^([1-5])xx$/i.exec(text);
    if (cls) out.classes.push(Number(cls[1]));
    else if (/^\d{3}$/.test(text) && Number(text) >= 100 && Number(text) <= 599) out.codes.push(Number(text));
    else throw f.error('expect.status', item, STATUS_EXPECTED);
  }
  return out;
}
