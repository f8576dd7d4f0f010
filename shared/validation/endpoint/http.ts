import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { EndpointError } from './types.js';

/**
 * JSON POSTs over keep-alive connections (undici), one pool per origin with `connections` sockets,
 * which is as many requests as the evaluation keeps in flight. Retries 5xx, 429 and dropped
 * connections with backoff; a timeout is not retried, since an endpoint that hangs keeps hanging.
 */
export class JsonPoster {
  private readonly agent: Agent;

  constructor(connections: number, private readonly timeoutMs: number, private readonly retries: number) {
    this.agent = new Agent({ connections, keepAliveTimeout: 30_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, pipelining: 1 });
  }

  async post(url: string, body: string, headers: Record<string, string>): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(url, body, headers);
      } catch (error) {
        if (!(error instanceof Retryable) || attempt >= this.retries) throw error instanceof Retryable ? new EndpointError(error.message) : error;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  private async once(url: string, body: string, headers: Record<string, string>): Promise<unknown> {
    let res: Dispatcher.ResponseData;
    try {
      res = await this.agent.request({
        origin: new URL(url).origin,
        path: pathOf(url),
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body,
      });
    } catch (error) {
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        throw new EndpointError(`${url} did not answer within ${this.timeoutMs} ms`);
      }
      throw new Retryable(`${url} could not be reached: ${(error as Error).message}`);
    }
    const text = await res.body.text().catch((error: Error) => {
      throw error instanceof undiciErrors.BodyTimeoutError ? new EndpointError(`${url} did not finish its answer within ${this.timeoutMs} ms`) : new Retryable(`${url}: ${error.message}`);
    });
    if (res.statusCode >= 500 || res.statusCode === 429) throw new Retryable(`${url} answered HTTP ${res.statusCode}: ${snippet(text)}`);
    if (res.statusCode >= 400) throw new EndpointError(`${url} answered HTTP ${res.statusCode}: ${snippet(text)}`);
    const type = String(res.headers['content-type'] ?? '');
    if (/html/i.test(type) || /^\s*</.test(text)) throw new EndpointError(`${url} answered HTML, not JSON (content-type ${type || 'none'}): ${snippet(text)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new EndpointError(`${url} answered with invalid JSON: ${snippet(text)}`);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

class Retryable extends Error {}

function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

function snippet(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const one = (title ?? text).replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 119)}…` : one);
}
