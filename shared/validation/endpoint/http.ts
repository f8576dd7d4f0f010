import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { EndpointError } from './types.js';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * JSON POSTs to one URL over keep-alive connections (an undici Pool with `connections` sockets, as many
 * as the evaluation keeps in flight). Uses undici's dispatch API with a small handler: no stream object
 * per response, which matters at thousands of requests per second. Retries 5xx, 429 and dropped
 * connections with backoff; a timeout is not retried, since an endpoint that hangs keeps hanging.
 */
export class JsonPoster {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly path: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly url: string,
    headers: Record<string, string>,
    connections: number,
    private readonly timeoutMs: number,
    private readonly retries: number,
  ) {
    const u = new URL(url);
    this.origin = u.origin;
    this.path = `${u.pathname}${u.search}`;
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...headers };
    this.pool = new Pool(this.origin, { connections, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, pipelining: 1 });
  }

  async post(body: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return this.parse(await this.send(body));
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (attempt >= this.retries) throw new EndpointError(error.message);
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  private send(body: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let status = 0;
      let headers: IncomingHttpHeaders = {};
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: () => undefined,
        onResponseStart: (_c, code, h) => {
          status = code;
          headers = h;
        },
        onResponseData: (_c, chunk) => void chunks.push(chunk),
        onResponseEnd: () => resolve({ status, headers, text: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8') }),
        onResponseError: (_c, error) => reject(this.failure(error)),
      };
      this.pool.dispatch({ origin: this.origin, path: this.path, method: 'POST', headers: this.headers, body }, handler);
    });
  }

  private failure(error: Error): Error {
    if (error instanceof undiciErrors.HeadersTimeoutError) return new EndpointError(`${this.url} did not answer within ${this.timeoutMs} ms`);
    if (error instanceof undiciErrors.BodyTimeoutError) return new EndpointError(`${this.url} did not finish its answer within ${this.timeoutMs} ms`);
    return new Retryable(`${this.url} could not be reached: ${error.message}`);
  }

  private parse({ status, headers, text }: RawResponse): unknown {
    if (status >= 500 || status === 429) throw new Retryable(`${this.url} answered HTTP ${status}: ${snippet(text)}`);
    if (status >= 400) throw new EndpointError(`${this.url} answered HTTP ${status}: ${snippet(text)}`);
    const type = String(headers['content-type'] ?? '');
    if (/html/i.test(type) || /^\s*</.test(text)) throw new EndpointError(`${this.url} answered HTML, not JSON (content-type ${type || 'none'}): ${snippet(text)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new EndpointError(`${this.url} answered with invalid JSON: ${snippet(text)}`);
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

class Retryable extends Error {}

function snippet(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const one = (title ?? text).replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 119)}…` : one);
}
