import { errorMessage } from '../action/errors.js';

/** The HTTP status of a client-node `ApiException`, if that is what was thrown. */
export function kubeStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * One line for a failed Kubernetes call: `403: jobs.batch is forbidden: ...`. The exception's own
 * message carries the whole body and the response headers, which is too much for a log line.
 */
export function kubeErrorMessage(error: unknown): string {
  const code = kubeStatus(error);
  if (code === undefined) return errorMessage(error).split('\n')[0];
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return `${code}: ${(body as string).slice(0, 200)}`;
    }
  }
  const message = (body as { message?: unknown } | null)?.message;
  return `${code}: ${typeof message === 'string' ? message : errorMessage(error).split('\n')[1] ?? 'no message'}`;
}
