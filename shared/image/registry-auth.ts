import { ConfigurationError } from '../errors.js';
import type { Credentials } from './credentials.js';
import { cutToLength } from '../text-limit.js';

/** A registry refused us: missing, wrong or insufficient credentials. A user mistake, reported in one line. */
export class RegistryAuthError extends ConfigurationError {
  override name = 'RegistryAuthError';
}

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="...",service="...",scope="..."` (or `Basic realm="..."`). */
export function parseChallenge(header: string | null): Challenge | undefined {
  const m = header ? /^\s*(\w+)\s*(.*)$/.exec(header) : null;
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))/g)) params[p[1].toLowerCase()] = p[2] ?? p[3];
  return { scheme, params };
}

export function basicAuthorization(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

export function missingCredentials(registry: string): RegistryAuthError {
  return new RegistryAuthError(
    `Registry ${registry} requires credentials and none were given (set \`registry-username\` and \`registry-password\`, REGISTRY_USERNAME/REGISTRY_PASSWORD, or log in first).`,
  );
}

export function refusedCredentials(registry: string, credentials: Credentials, status: number, detail = ''): RegistryAuthError {
  return new RegistryAuthError(
    `Registry ${registry} refused the credentials of user '${credentials.username}' (HTTP ${status}${detail ? `: ${detail}` : ''}). Check \`registry-username\` and \`registry-password\`.`,
  );
}

/** Exchanges credentials (or nothing, for anonymous pulls) for a bearer token at the challenge's realm. */
export async function fetchBearerToken(
  fetchFn: typeof fetch,
  registry: string,
  challenge: Challenge,
  scope: string,
  credentials: Credentials | undefined,
): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new Error(`Registry ${registry} asked for a bearer token without naming where to get one.`);
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', scope);
  const headers: Record<string, string> = {};
  if (credentials) headers.authorization = basicAuthorization(credentials);
  const res = await fetchFn(url, { headers });
  if (res.status === 401 || res.status === 403) {
    const detail = cutToLength(await res.text(), 200);
    throw credentials ? refusedCredentials(registry, credentials, res.status, detail) : missingCredentials(registry);
  }
  if (!res.ok) throw new Error(`Registry ${registry}: the token service ${url.origin} answered HTTP ${res.status}.`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`Registry ${registry}: the token service gave no token.`);
  return `Bearer ${token}`;
}
