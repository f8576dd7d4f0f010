/**
 * The wait a `Retry-After` header asks for, in milliseconds: delay-seconds or an HTTP date (RFC 9110 10.2.3).
 * Undefined when absent or unreadable (the retry policy's own backoff applies then).
 */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
