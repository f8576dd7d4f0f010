/**
 * A URL's `user:pass@` part moved into an `Authorization: Basic` header: fetch refuses a URL that carries
 * credentials ("Request cannot be constructed from a URL that includes credentials"), and a URL without them
 * is safe to print. `url` is unchanged when it holds none (or does not parse: the caller reports that).
 */
export function splitUrlCredentials(url: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (!parsed.username && !parsed.password) return { url };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  // The caller's spelling, less the userinfo (URL.href would add a `/` to a bare origin).
  const bare = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  return { url: bare, authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}
