/**
 * What a failed Kubernetes call was, read from what the error IS (an HTTP status, a Node or undici error
 * code anywhere along its `cause` chain), never from its message text: client-node rewrites messages
 * ("Failed to fetch resource metadata for apps/v1/Deployment: fetch failed") but keeps the cause.
 */
export type FailureKind = 'transient' | 'conflict' | 'permanent';

export interface Failure {
  kind: FailureKind;
  /** In a few words: `connection reset`, `429 throttled`, `403 forbidden`, `TLS verification failed (...)`. */
  what: string;
  status?: number;
  /** Network-level: the server was not reached or did not answer (vs an HTTP answer). */
  network: boolean;
  /** A 429's or 503's `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection reset (broken pipe)',
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'DNS lookup failed (name not found)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the answer',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
  UND_ERR_ABORTED: 'request aborted',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed early',
};

/** TLS verification failures: OpenSSL's codes as Node reports them. Never retried: they do not heal. */
const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

const STATUS: Record<number, [FailureKind, string]> = {
  400: ['permanent', 'bad request'],
  401: ['permanent', 'unauthorized (the credentials in `kubeconfig` were refused)'],
  403: ['permanent', 'forbidden'],
  404: ['permanent', 'not found'],
  405: ['permanent', 'method not allowed'],
  409: ['conflict', 'conflict (changed meanwhile)'],
  410: ['permanent', 'gone'],
  415: ['permanent', 'unsupported media type'],
  422: ['permanent', 'rejected as invalid'],
  429: ['transient', 'throttled'],
  500: ['transient', 'internal server error'],
  502: ['transient', 'bad gateway'],
  503: ['transient', 'service unavailable'],
  504: ['transient', 'gateway timeout'],
};

/** The errors along a `cause` chain (bounded), the error itself first. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 8 && !chain.includes(e); e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** An HTTP status the API server answered with (client-node's `ApiException.code`, or ours). */
export function httpStatus(error: unknown): number | undefined {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** A system or undici error code (`ECONNRESET`, `UND_ERR_SOCKET`, `CERT_HAS_EXPIRED`) along the cause chain. */
export function systemCode(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
  }
  return undefined;
}

/** `Retry-After` (seconds or an HTTP date) from an API answer's headers, in ms. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  let raw: unknown;
  if (headers && typeof (headers as Headers).get === 'function') raw = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object') {
    const entry = Object.entries(headers as Record<string, unknown>).find(([k]) => k.toLowerCase() === 'retry-after');
    raw = entry?.[1];
  }
  if (Array.isArray(raw)) raw = raw[0];
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Our own marker for an attempt abandoned after `attemptTimeoutMs` (see retry.ts). */
export class RequestTimeout extends Error {
  override name = 'RequestTimeout';
}

/** Classifies a failed Kubernetes call. Anything unrecognised is permanent: retrying it blindly helps no one. */
export function classifyFailure(error: unknown): Failure {
  const status = httpStatus(error);
  if (status !== undefined) {
    const [kind, what] = STATUS[status] ?? (status >= 500 ? ['permanent', `server error`] : ['permanent', 'refused']);
    return { kind, what: `${status} ${what}`, status, network: false, retryAfterMs: status === 429 || status === 503 ? retryAfterMs(error) : undefined };
  }
  if (causeChain(error).some((e) => e instanceof RequestTimeout)) return { kind: 'transient', what: 'timed out (no answer)', network: true };
  const code = systemCode(error);
  if (code && TLS_CODE.test(code)) return { kind: 'permanent', what: `TLS verification failed (${code})`, network: true };
  if (code && NETWORK_CODES[code]) return { kind: 'transient', what: NETWORK_CODES[code], network: true };
  // undici's own network failure with no code left on its cause: a TypeError named by undici's fetch.
  const top = causeChain(error);
  if (top.some((e) => e instanceof TypeError && (e as TypeError).cause !== undefined && code === undefined)) {
    return { kind: 'transient', what: 'network failure', network: true };
  }
  return { kind: 'permanent', what: code ? `failed (${code})` : 'failed', network: false };
}

export const isTransientFailure = (error: unknown): boolean => classifyFailure(error).kind === 'transient';
