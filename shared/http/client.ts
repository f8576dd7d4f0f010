import pRetry from 'p-retry';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { formatDuration } from '../parse/duration.js';
import { retryAfterMs } from './retry-after.js';

/**
 * The one HTTP client of the project (model endpoints, the judge, webhooks, hooks): undici with
 * HTTP(S)_PROXY / NO_PROXY honoured (EnvHttpProxyAgent), Node's CA store (NODE_EXTRA_CA_CERTS included),
 * keep-alive connections, redirects followed up to a bound, and one retry policy (p-retry) that waits what
 * a 429 or 503 asks in `Retry-After` but never longer than one attempt may take.
 */
export interface HttpClientOptions {
  /** Connections kept per origin: as many as the caller keeps requests in flight. */
  connections?: number;
  /** One attempt, from sending to the last byte of the answer; past it the attempt fails and is not retried. */
  timeoutMs: number;
  /** More tries of what may pass on a second try: 429, 5xx, a connection that failed or dropped. */
  retries: number;
  /** The first wait between tries (doubling after). */
  backoffMs?: number;
  /** Redirects followed per request. */
  maxRedirects?: number;
  /** Hand every status to the reader (a caller that judges statuses itself); only failed connections are retried. */
  everyStatus?: boolean;
  /** TLS options of a private server (a kubeconfig's CA and client certificate). */
  tls?: { ca?: string | Buffer | (string | Buffer)[]; cert?: string | Buffer; key?: string | Buffer };
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
}

/** An answer whose body the reader is given as it arrives. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer>;
  /** performance.now() when the request was sent (this attempt). */
  sentAt: number;
}

/** The request failed for good: after its retries, on a timeout, or on an answer that cannot be read. */
export class HttpFailure extends Error {
  override name = 'HttpFailure';
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** A failure that may pass on a second try, with the wait the server asked for. */
class Retryable extends HttpFailure {
  constructor(message: string, status: number | undefined, readonly waitMs = 0) {
    super(message, status);
  }
}

const DEFAULT_REDIRECTS = 5;
/** How much of an error answer is read for the message. */
const ERROR_BODY_LIMIT = 4096;

export class HttpClient {
  private readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;

  constructor(private readonly options: HttpClientOptions) {
    this.timeoutMs = options.timeoutMs;
    const tls = options.tls ?? {};
    const agent = new EnvHttpProxyAgent({
      connections: options.connections ?? null,
      // HTTP/2 where the server offers it over TLS (ALPN); HTTP/1.1 keep-alive otherwise.
      allowH2: true,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { ...tls, timeout: Math.min(options.timeoutMs, 30_000) },
      // Through a proxy, the TLS options are for the server behind it.
      requestTls: tls,
    });
    this.dispatcher = agent.compose(interceptors.redirect({ maxRedirections: options.maxRedirects ?? DEFAULT_REDIRECTS }));
  }

  /**
   * Sends the request and hands a final answer (2xx-4xx but 429) to `read`, retrying 429, 5xx and failed
   * connections first. `read` runs inside the attempt's time limit; what it throws is not retried.
   */
  async exchange<T>(req: HttpRequest, read: (response: HttpResponse) => Promise<T>): Promise<T> {
    return pRetry(() => this.attempt(req, read), {
      retries: this.options.retries,
      minTimeout: this.options.backoffMs ?? 100,
      factor: 2,
      shouldRetry: async ({ error, retryDelay }) => {
        if (!(error instanceof Retryable)) return false;
        // p-retry's own backoff follows; what the server asked for beyond it is waited here.
        if (error.waitMs > retryDelay) await sleep(error.waitMs - retryDelay);
        return true;
      },
    }).catch((error: unknown) => {
      if (error instanceof Retryable) throw new HttpFailure(error.message, error.status);
      throw error;
    });
  }

  /** The whole body as text (after retries), with the status and content type. */
  async text(req: HttpRequest, limitBytes = Infinity): Promise<{ status: number; contentType: string; text: string }> {
    return this.exchange(req, async (r) => ({ status: r.status, contentType: header(r.headers, 'content-type'), text: await readText(r.body, limitBytes) }));
  }

  private async attempt<T>(req: HttpRequest, read: (response: HttpResponse) => Promise<T>): Promise<T> {
    const { timeoutMs } = this;
    const signal = AbortSignal.timeout(timeoutMs);
    const sentAt = performance.now();
    let r: Dispatcher.ResponseData;
    try {
      r = await request(req.url, { dispatcher: this.dispatcher, method: req.method ?? 'GET', headers: req.headers, body: req.body, signal });
    } catch (error) {
      throw this.failure(req, error, signal, false);
    }
    const headers = r.headers as HttpResponse['headers'];
    try {
      if (!this.options.everyStatus && (r.statusCode === 429 || r.statusCode >= 500)) {
        const text = await readText(r.body, ERROR_BODY_LIMIT).catch(() => '');
        const problem = `${req.url} answered HTTP ${r.statusCode}: ${snippet(text)}`;
        const wait = r.statusCode === 429 || r.statusCode === 503 ? retryAfterMs(header(headers, 'retry-after')) : undefined;
        if (wait !== undefined && wait > timeoutMs) {
          throw new HttpFailure(`${problem}; it asks to retry after ${formatDuration(wait)}, longer than the timeout (${formatDuration(timeoutMs)}), so it was not waited for`, r.statusCode);
        }
        throw new Retryable(problem, r.statusCode, wait);
      }
      if (r.statusCode >= 300 && r.statusCode < 400) {
        await r.body.dump();
        throw new HttpFailure(`${req.url} answered HTTP ${r.statusCode} (more than ${this.options.maxRedirects ?? DEFAULT_REDIRECTS} redirects, or no Location)`, r.statusCode);
      }
      return await read({ status: r.statusCode, headers, body: r.body, sentAt });
    } catch (error) {
      // What the reader decided stands; the connection failing under it is the client's to report.
      if (error instanceof HttpFailure || !(signal.aborted || isTransportError(error))) {
        r.body.destroy();
        throw error;
      }
      throw this.failure(req, error, signal, true);
    }
  }

  /** The failure of a request the connection or the clock ended: retryable unless it timed out. */
  private failure(req: HttpRequest, error: unknown, signal: AbortSignal, answered: boolean): HttpFailure {
    const { timeoutMs } = this;
    const code = errorCode(error);
    if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new HttpFailure(answered ? `${req.url} did not finish its answer within ${formatDuration(timeoutMs)}` : `${req.url} did not answer within ${formatDuration(timeoutMs)}`);
    }
    if (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return new HttpFailure(`${req.url}: ${describeError(error)}`);
    if (answered) return new Retryable(`${req.url} dropped the connection in the middle of its answer: ${describeError(error)}`, undefined);
    return new Retryable(`${req.url} could not be reached${/proxy/i.test(describeError(error)) ? ' through the proxy' : ''}: ${describeError(error)}`, undefined);
  }

  /** Closes every connection; requests in flight fail. */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}

export function header(headers: HttpResponse['headers'], name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** Reads a body to text, keeping at most `limitBytes` of it (the rest is read and dropped). */
export async function readText(body: AsyncIterable<Buffer>, limitBytes = Infinity): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    if (kept >= limitBytes) continue;
    chunks.push(chunk);
    kept += chunk.length;
  }
  const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  return (kept > limitBytes ? all.subarray(0, limitBytes) : all).toString('utf8');
}

/** An answer cut to one readable line for an error message (an HTML page's title when it is one). */
export function snippet(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const one = (title ?? text).replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 119)}…` : one);
}

function isTransportError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (code.startsWith('UND_ERR') || /^E[A-Z]+$/.test(code));
}

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeError(error: unknown): string {
  const e = error as Error & { code?: string; cause?: Error & { code?: string } };
  const cause = e.cause?.message && e.cause.message !== e.message ? ` (${e.cause.message})` : '';
  return `${e.code && !e.message.includes(e.code) ? `${e.code}: ` : ''}${e.message}${cause}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
