import { createHash } from 'node:crypto';
import { invalidInput } from '../errors.js';
import type { RouterKind } from './kinds.js';
import type { MatchCondition } from './match.js';

/**
 * `session-affinity: cookie`: the canary's responses set `<name>=canary-<id>` and stable's `<name>=stable`; rules
 * send requests carrying either back to the same version, so a conversation never switches models while the
 * weight changes. `<id>` names this canary (a cookie from an earlier canary pulls no one to a later one).
 */
export interface SessionAffinity {
  cookie: string;
  maxAgeSeconds: number;
}

export const AFFINITY_ROUTERS: readonly RouterKind[] = ['gateway-api', 'istio'];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function parseCookieName(value: string, input = 'session-cookie-name'): string {
  if (!TOKEN.test(value)) throw invalidInput(input, value, "a cookie name that is an HTTP token (letters, digits and !#$%&'*+-.^_`|~), such as `ai-deploy-track`");
  return value;
}

/** Why `router` cannot keep sessions on one version, or undefined when it can. */
export function unsupportedAffinity(router: RouterKind): string | undefined {
  if (AFFINITY_ROUTERS.includes(router)) return undefined;
  return `\`none\` with \`traffic-router: ${router}\` (sticky sessions need a router that sets a cookie on responses and routes by it: \`gateway-api\` or \`istio\`)`;
}

/** The cookie values for this canary (its claim) and for stable. */
export function affinityValues(claim: string): { canary: string; stable: string } {
  return { canary: `canary-${createHash('sha256').update(claim).digest('hex').slice(0, 12)}`, stable: 'stable' };
}

/** The Set-Cookie header value a track's responses carry. */
export const setCookie = (a: SessionAffinity, value: string) => `${a.cookie}=${value}; Max-Age=${a.maxAgeSeconds}; Path=/`;

/** Whether a Set-Cookie header value is this affinity's (any track, any canary). */
export const isOurCookie = (a: SessionAffinity, header: unknown) => typeof header === 'string' && header.startsWith(`${a.cookie}=`);

/** The conditions that send a request back to the canary, and to stable. */
export function affinityConditions(a: SessionAffinity, claim: string): { canary: MatchCondition; stable: MatchCondition } {
  const v = affinityValues(claim);
  return { canary: { on: 'cookie', name: a.cookie, value: v.canary }, stable: { on: 'cookie', name: a.cookie, value: v.stable } };
}

/** For the canary state: `<name>;<max-age seconds>`. */
export const encodeAffinity = (a: SessionAffinity | undefined) => (a ? `${a.cookie};${a.maxAgeSeconds}` : undefined);

export function decodeAffinity(text: string | undefined): SessionAffinity | undefined {
  const m = text?.match(/^([^;]+);(\d+)$/);
  return m && TOKEN.test(m[1]) ? { cookie: m[1], maxAgeSeconds: Number(m[2]) } : undefined;
}
