import { cutToLength } from '../action/text-limit.js';

/**
 * Reading errors from the Kubernetes client without importing it: client-node throws `ApiException`
 * with a numeric `code` and the API server's `Status` object as `body` (sometimes as a JSON string).
 */
export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => statusCode(error) === 404;
export const isConflict = (error: unknown): boolean => statusCode(error) === 409;

/** Network failures, timeouts, throttling and 5xx: worth another try with backoff. */
export function isTransient(error: unknown): boolean {
  const code = statusCode(error);
  if (code !== undefined) return code === 429 || code >= 500;
  if (error instanceof RequestTimeout) return true;
  const text = `${(error as Error)?.name ?? ''} ${(error as Error)?.message ?? ''} ${String((error as { cause?: { code?: string } })?.cause?.code ?? '')}`;
  return /fetch failed|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|other side closed|UND_ERR/i.test(text);
}

export class RequestTimeout extends Error {
  override name = 'RequestTimeout';
}

/** The API server's own explanation (`Status.message`), or the error's message. */
export function apiMessage(error: unknown): string {
  let body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body as string);
    } catch {
      return cutToLength(body as string, 300) || String((error as Error)?.message ?? error);
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message) return message;
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/** One line for a failed Kubernetes call, `403: jobs.batch is forbidden: ...`, fit for a log line. */
export function apiErrorLine(error: unknown): string {
  const code = statusCode(error);
  return code === undefined ? apiMessage(error).split('\n')[0] : `${code}: ${apiMessage(error)}`;
}
