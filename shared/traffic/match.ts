import { invalidInput } from '../errors.js';
import { compileRegex } from '../parse/regex.js';
import type { RouterKind } from './kinds.js';

/**
 * One `match` condition: a request whose header (or cookie) has this exact `value`, or matches `regex`,
 * always goes to the canary, whatever the weight. Header names are lower-case (HTTP header names are
 * case-insensitive; Istio requires lower case); cookie names are kept as written.
 */
export interface MatchCondition {
  on: 'header' | 'cookie';
  name: string;
  value?: string;
  regex?: string;
}

/** RFC 9110 `token`: what a header or cookie name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Gateway API's limit on a header match value (and a sane bound for the others). */
const MAX_VALUE = 4096;
const EXPECTED =
  'a YAML list of conditions, each `header: <name>` or `cookie: <name>` with `value: <exact value>` or `regex: <pattern>`, such as `- header: x-canary` / `  value: always`';

/** Routers that can send requests to the canary by header or cookie, and what each refuses. */
export const MATCH_ROUTERS: readonly RouterKind[] = ['gateway-api', 'istio', 'nginx', 'alb'];

/** Parses the `match` input (already read as YAML): undefined or an empty list means no conditions. */
export function parseMatch(raw: unknown, input = 'match'): MatchCondition[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidInput(input, JSON.stringify(raw), EXPECTED);
  return raw.map((item, i) => parseCondition(item, `${input}[${i}]`));
}

function parseCondition(item: unknown, where: string): MatchCondition {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidInput(where, JSON.stringify(item), EXPECTED);
  const c = item as Record<string, unknown>;
  const unknownKey = Object.keys(c).find((k) => !['header', 'cookie', 'value', 'regex'].includes(k));
  if (unknownKey) throw invalidInput(where, JSON.stringify(item), `only the keys \`header\` or \`cookie\`, and \`value\` or \`regex\` (not \`${unknownKey}\`)`);
  if ((c.header === undefined) === (c.cookie === undefined)) throw invalidInput(where, JSON.stringify(item), 'exactly one of `header: <name>` or `cookie: <name>`');
  const on = c.header !== undefined ? 'header' : 'cookie';
  const name = c[on];
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw invalidInput(`${where}.${on}`, String(name), `a ${on} name that is an HTTP token (letters, digits and !#$%&'*+-.^_\`|~, no spaces or separators)`);
  }
  if ((c.value === undefined) === (c.regex === undefined)) {
    throw invalidInput(where, JSON.stringify(item), `exactly one of \`value\` (the exact ${on} value) or \`regex\` (a pattern it must match)`);
  }
  const field = c.value !== undefined ? 'value' : 'regex';
  const text = c[field];
  if ((typeof text !== 'string' && typeof text !== 'number' && typeof text !== 'boolean') || String(text) === '' || String(text).length > MAX_VALUE) {
    throw invalidInput(`${where}.${field}`, JSON.stringify(text), `a non-empty string of at most ${MAX_VALUE} characters`);
  }
  const s = String(text);
  if (/[\r\n\0]/.test(s)) throw invalidInput(`${where}.${field}`, JSON.stringify(s), 'a single line (no CR, LF or NUL)');
  if (on === 'cookie' && field === 'value' && /[;,\s"\\]/.test(s)) throw invalidInput(`${where}.value`, s, 'a cookie value without `;`, `,`, spaces, quotes or backslashes');
  if (field === 'regex') {
    try {
      compileRegex(s);
    } catch (error) {
      throw invalidInput(`${where}.regex`, s, `a regular expression (${(error as Error).message})`);
    }
  }
  return { on, name: on === 'header' ? name.toLowerCase() : name, ...(field === 'value' ? { value: s } : { regex: s }) };
}

/** Why `router` cannot route by these conditions, or undefined when it can. Checked at the edge, before anything changes. */
export function unsupportedMatch(router: RouterKind, conditions: MatchCondition[]): string | undefined {
  if (conditions.length === 0) return undefined;
  if (!MATCH_ROUTERS.includes(router)) {
    return `no \`match\` with \`traffic-router: ${router}\`: it splits traffic by weight only (use \`gateway-api\`, \`istio\`, \`nginx\` or \`alb\` to route by header or cookie)`;
  }
  if (router === 'alb') return unsupportedAlbMatch(conditions);
  if (router === 'nginx') {
    const headers = conditions.filter((c) => c.on === 'header');
    const cookies = conditions.filter((c) => c.on === 'cookie');
    if (headers.length > 1 || cookies.length > 1) return 'at most one `header` and one `cookie` condition with `traffic-router: nginx` (one canary-by-header and one canary-by-cookie annotation)';
    if (cookies.some((c) => c.value !== 'always')) {
      return 'a `cookie` condition with `value: always` on `traffic-router: nginx` (ingress-nginx sends a request to the canary when the cookie is `always`; other values and `regex` are not supported)';
    }
  }
  return undefined;
}

/** Why ALB cannot carry these conditions (undefined when it can): no regex, no wildcard characters in a value. */
function unsupportedAlbMatch(conditions: MatchCondition[]): string | undefined {
  if (conditions.some((c) => c.regex !== undefined)) return 'exact `value` conditions with `traffic-router: alb` (ALB conditions have no regular expressions)';
  if (conditions.some((c) => /[*?]/.test(c.value ?? ''))) return 'values without `*` or `?` with `traffic-router: alb` (ALB reads them as wildcards)';
  return undefined;
}

/** Refuses conditions the router cannot carry: a ConfigurationError naming the input. */
export function requireSupportedMatch(router: RouterKind, conditions: MatchCondition[], raw: string): void {
  const why = unsupportedMatch(router, conditions);
  if (why) throw invalidInput('match', raw, why);
}

/** For the canary state: the conditions as one annotation value (undefined when none). */
export function encodeMatch(conditions: MatchCondition[] | undefined): string | undefined {
  return conditions?.length ? JSON.stringify(conditions) : undefined;
}

/**
 * The recorded conditions, or undefined when unreadable: a rollback must still go ahead (the match rules are
 * found by their all-canary backends, not by the conditions), and no step adds rules it cannot read.
 */
export function decodeMatch(text: string | undefined): MatchCondition[] | undefined {
  if (text === undefined) return undefined;
  try {
    const recorded = JSON.parse(text) as MatchCondition[];
    // Checked again as the user's form, so a record changed by hand cannot route by half a condition.
    return parseMatch(recorded.map((c) => ({ [c.on]: c.name, ...(c.regex !== undefined ? { regex: c.regex } : { value: c.value }) })), 'recorded match');
  } catch {
    return undefined;
  }
}

/** `value` as a regular expression matching only itself (RE2 and ECMAScript alike). */
const literal = (value: string) => value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * A cookie condition as a regular expression over the whole `Cookie` header, anchored so it means the
 * same whether the proxy matches the full string (Envoy: Istio, most Gateway API implementations) or a part.
 */
export function cookieHeaderRegex(c: MatchCondition): string {
  const value = c.regex !== undefined ? `(${c.regex})` : literal(c.value!);
  return `^(.*;\\s*)?${literal(c.name)}=${value}(;.*)?$`;
}
