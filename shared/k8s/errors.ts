import { cutToLength } from '../text-limit.js';
import { classifyFailure, httpStatus, type Failure } from './failure.js';

export { RequestTimeout } from './failure.js';

/**
 * Reading errors from the Kubernetes client without importing it: client-node throws `ApiException`
 * with a numeric `code` and the API server's `Status` object as `body` (sometimes as a JSON string);
 * `Cluster` rethrows it as a one-line `KubernetesError` keeping both.
 */
export function statusCode(error: unknown): number | undefined {
  return httpStatus(error);
}

export const isNotFound = (error: unknown): boolean => statusCode(error) === 404;
export const isConflict = (error: unknown): boolean => statusCode(error) === 409;

/** Network failures, timeouts, throttling and 500/502/503/504: worth another try with backoff. */
export function isTransient(error: unknown): boolean {
  return classifyFailure(error).kind === 'transient';
}

/** The API server's own explanation (`Status.message`), or the error's first line. */
export function apiMessage(error: unknown): string {
  let body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body as string);
    } catch {
      return cutToLength((body as string).split('\n')[0], 300) || String((error as Error)?.message ?? error).split('\n')[0];
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message) return message.split('\n')[0];
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/** One line for a failed Kubernetes call, `403: jobs.batch is forbidden: ...`, fit for a log line. */
export function apiErrorLine(error: unknown): string {
  if (error instanceof KubernetesError && error.code === undefined) return error.message;
  const code = statusCode(error);
  return code === undefined ? apiMessage(error).split('\n')[0] : `${code}: ${apiMessage(error)}`;
}

/**
 * A failed Kubernetes call in one line that says what it was (never client-node's multi-line HTTP
 * dump): `code` and `body` are the API server's answer, `cause` the original error.
 */
export class KubernetesError extends Error {
  override name = 'KubernetesError';
  readonly code?: number;
  readonly body?: unknown;
  constructor(
    message: string,
    readonly failure: Failure,
    original: unknown,
  ) {
    super(message, { cause: original });
    this.code = failure.status;
    this.body = (original as { body?: unknown } | null)?.body;
  }
}

/**
 * Describes a call that failed for good. `operation` names it (`GET Deployment prod/shop`), `server`
 * is the API server URL from the kubeconfig, `tries` how many attempts were made.
 */
export function describeKubernetesFailure(error: unknown, operation: string, server: string | undefined, tries: number): KubernetesError {
  const failure = classifyFailure(error);
  const at = server ?? 'in `kubeconfig`';
  const after = tries > 1 ? `, after ${tries} tries` : '';
  let message: string;
  if (failure.what.startsWith('TLS')) {
    message = `Cannot talk to the Kubernetes API server ${at} (the cluster in \`kubeconfig\`): ${failure.what}; check the cluster's certificate-authority data and server name in \`kubeconfig\` (${operation}).`;
  } else if (failure.network) {
    message = `Cannot reach the Kubernetes API server ${at} (the cluster in \`kubeconfig\`): ${failure.what}${after} (${operation}).`;
  } else if (failure.status === 404 && / /.test(operation)) {
    message = `${operation.replace(/^\S+ /, '')} not found (${operation}: ${apiMessage(error)}).`;
  } else if (failure.status === undefined) {
    message = `${operation} failed${after}: ${apiMessage(error)}`;
  } else {
    message = `${operation} failed: ${failure.what}${after}: ${apiMessage(error)}`;
  }
  return new KubernetesError(message, failure, error);
}
