import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HTTPParser } from 'http-parser-js';
import { EndpointError } from './types.js';

interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/** One request waiting for, or being given, its answer. */
interface Exchange {
  /** The request as sent: head and body in one string, so one write. */
  request: string;
  resolve(response: RawResponse): void;
  reject(error: Error): void;
  status: number;
  contentType: string;
  chunks: Buffer[];
  /** The status line and headers have arrived (a timeout now means a stalled body). */
  answered: boolean;
}

/** Headers the client sets itself (framing and connection handling); a suite may not set them. */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why a header cannot be sent as given, or undefined when it can. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not a valid HTTP header name`;
  if (RESERVED.has(name.toLowerCase())) return `header \`${name}\` is set by the client itself`;
  if (/[\r\n\0]/.test(value)) return `header \`${name}\` has a line break or NUL in its value`;
  return undefined;
}

/** How long an idle connection is reused when the server does not say (Node's servers close after 5 s). */
const DEFAULT_KEEP_ALIVE_MS = 4_000;

/**
 * One keep-alive HTTP/1.1 connection (plain or TLS) with one request at a time. Responses are parsed by
 * http-parser-js (Content-Length, chunked and close-delimited bodies, informational answers); each request
 * is one socket write, each response costs no stream or event object beyond the socket's `data`.
 */
class Connection {
  readonly socket: Socket;
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private readonly timer: NodeJS.Timeout;
  exchange: Exchange | undefined;
  /** performance.now() when the connection went idle, and how long after that the server may close it. */
  idleSince = 0;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  private keepAliveHeader = '';
  private reusable = true;
  private informational = false;
  closed = false;

  constructor(private readonly poster: JsonPoster, target: Target) {
    const options = { host: target.host, port: target.port, noDelay: true, keepAlive: true };
    this.socket = target.tls
      ? tlsConnect({ ...options, servername: isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'] })
      : netConnect(options);
    this.timer = setTimeout(() => this.onTimeout(), poster.timeoutMs).unref();
    this.parser[HTTPParser.kOnHeadersComplete] = (info) => this.onHeaders(info.statusCode, info.headers, info.shouldKeepAlive);
    this.parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
      this.exchange?.chunks.push(offset === 0 && length === chunk.length ? chunk : chunk.subarray(offset, offset + length));
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => this.onComplete();
    this.socket.on('data', (data: Buffer) => this.onData(data));
    this.socket.on('error', (error) => this.fail(new Retryable(`${poster.url} could not be reached: ${error.message}`)));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onClose());
  }

  send(exchange: Exchange): void {
    this.exchange = exchange;
    this.timer.refresh();
    this.socket.ref();
    this.socket.write(exchange.request);
  }

  private onData(data: Buffer): void {
    const exchange = this.exchange;
    if (!exchange) {
      // Nothing was asked: bytes from the server now can only be garbage or an answer to nobody.
      this.destroy();
      return;
    }
    const result = this.parser.execute(data);
    if (result instanceof Error) {
      this.fail(new EndpointError(`${this.poster.url} answered with malformed HTTP: ${result.message}`));
      return;
    }
    // Still waiting for the end of a body that has started: it has this long again for the next bytes.
    if (this.exchange === exchange && exchange.answered) this.timer.refresh();
  }

  private onHeaders(status: number, headers: string[], keepAlive: boolean): void {
    const exchange = this.exchange;
    if (!exchange) return;
    // 1xx (say 103 Early Hints) comes before the real answer and ends without a body.
    this.informational = status >= 100 && status < 200;
    if (this.informational) return;
    exchange.status = status;
    exchange.answered = true;
    this.reusable = keepAlive;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i].toLowerCase();
      if (name === 'content-type') exchange.contentType = headers[i + 1];
      else if (name === 'keep-alive' && headers[i + 1] !== this.keepAliveHeader) {
        this.keepAliveHeader = headers[i + 1];
        const timeout = /timeout=(\d+)/i.exec(this.keepAliveHeader);
        // Reusing a connection only until a second before the server closes it keeps requests from racing that close.
        if (timeout) this.keepAliveMs = Math.max(0, Number(timeout[1]) * 1000 - 1000);
      }
    }
  }

  private onComplete(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    if (this.informational) {
      this.informational = false;
      return;
    }
    this.exchange = undefined;
    const { chunks } = exchange;
    const text = chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    if (this.reusable) {
      this.socket.unref();
      this.idleSince = performance.now();
      this.poster.release(this);
    } else this.destroy();
    exchange.resolve({ status: exchange.status, contentType: exchange.contentType, text });
  }

  private onEnd(): void {
    // A body without length ends when the server closes the connection.
    if (this.exchange?.answered) {
      const result = this.parser.finish();
      if (result instanceof Error) this.fail(new Retryable(`${this.poster.url} could not be reached: the connection closed in the middle of an answer`));
    }
    this.fail(new Retryable(`${this.poster.url} could not be reached: the connection closed before a complete answer`));
  }

  private onClose(): void {
    this.fail(new Retryable(`${this.poster.url} could not be reached: the connection closed before a complete answer`));
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.poster.forget(this);
  }

  private onTimeout(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    const { url, timeoutMs } = this.poster;
    this.fail(new EndpointError(exchange.answered ? `${url} did not finish its answer within ${timeoutMs} ms` : `${url} did not answer within ${timeoutMs} ms`));
  }

  /** Ends the exchange in flight, if any, with this error, and closes the connection (it is in an unknown state). */
  fail(error: Error): void {
    const exchange = this.exchange;
    this.destroy();
    if (!exchange) return;
    this.exchange = undefined;
    exchange.reject(error);
  }

  destroy(): void {
    this.reusable = false;
    this.socket.destroy();
  }
}

interface Target {
  host: string;
  port: number;
  tls: boolean;
}

/**
 * JSON POSTs to one URL over at most `connections` keep-alive HTTP/1.1 connections, one request on each at a
 * time (as many as the evaluation keeps in flight). Each request is written in one piece and each response
 * parsed straight from the socket's data: at thousands of requests per second on a shared machine, the
 * client's CPU per request is CPU the model server does not get. Retries 5xx, 429 and dropped connections
 * with backoff; a timeout is not retried, since an endpoint that hangs keeps hanging.
 */
export class JsonPoster {
  private readonly target: Target;
  private readonly head: string;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiting: Exchange[] = [];
  private closing = false;

  constructor(
    readonly url: string,
    headers: Record<string, string>,
    private readonly connections: number,
    readonly timeoutMs: number,
    private readonly retries: number,
  ) {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new EndpointError(`${url} is not an http(s) URL`);
    const tls = u.protocol === 'https:';
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.target = { host, port: Number(u.port || (tls ? 443 : 80)), tls };
    const all: Record<string, string> = { host: u.host, 'content-type': 'application/json', accept: 'application/json' };
    // The suite's headers replace ours of the same name, whatever their case.
    for (const [name, value] of Object.entries(headers)) {
      const problem = headerProblem(name, value);
      if (problem) throw new EndpointError(`${url}: ${problem}`);
      for (const k of Object.keys(all)) if (k.toLowerCase() === name.toLowerCase()) delete all[k];
      all[name] = value;
    }
    const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`);
    this.head = `POST ${u.pathname}${u.search} HTTP/1.1\r\n${lines.join('')}content-length: `;
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
      const exchange: Exchange = { request: `${this.head}${Buffer.byteLength(body)}\r\n\r\n${body}`, resolve, reject, status: 0, contentType: '', chunks: [], answered: false };
      if (this.closing) return reject(new EndpointError(`${this.url}: the client is closed`));
      const connection = this.reuse() ?? this.open();
      if (connection) connection.send(exchange);
      else this.waiting.push(exchange);
    });
  }

  /** The most recently used idle connection still inside its keep-alive time. */
  private reuse(): Connection | undefined {
    const now = performance.now();
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (now - c.idleSince < c.keepAliveMs) return c;
      c.destroy();
      this.all.delete(c);
    }
    return undefined;
  }

  private open(): Connection | undefined {
    if (this.all.size >= this.connections) return undefined;
    const c = new Connection(this, this.target);
    this.all.add(c);
    return c;
  }

  /** A connection has finished its exchange and can take another. */
  release(c: Connection): void {
    const next = this.waiting.shift();
    if (next) c.send(next);
    else this.idle.push(c);
  }

  /** A connection has closed: it no longer counts, and a waiting request may open a new one. */
  forget(c: Connection): void {
    this.all.delete(c);
    const at = this.idle.indexOf(c);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.waiting.length && !this.closing) this.open()?.send(this.waiting.shift()!);
  }

  private parse({ status, contentType, text }: RawResponse): unknown {
    if (status >= 500 || status === 429) throw new Retryable(`${this.url} answered HTTP ${status}: ${snippet(text)}`);
    if (status >= 400) throw new EndpointError(`${this.url} answered HTTP ${status}: ${snippet(text)}`);
    if (/html/i.test(contentType) || /^\s*</.test(text)) throw new EndpointError(`${this.url} answered HTML, not JSON (content-type ${contentType || 'none'}): ${snippet(text)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new EndpointError(`${this.url} answered with invalid JSON: ${snippet(text)}`);
    }
  }

  /** Closes every connection; requests still waiting or in flight fail. Resolves once every socket has closed. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Error(`${this.url}: the client was closed before an answer`);
    for (const e of this.waiting.splice(0)) e.reject(closed);
    const sockets = [...this.all].filter((c) => !c.closed);
    await Promise.all(
      sockets.map((c) => {
        const done = new Promise<void>((resolve) => c.socket.once('close', () => resolve()));
        c.fail(closed);
        return done;
      }),
    );
  }
}

class Retryable extends Error {}

function snippet(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const one = (title ?? text).replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 119)}…` : one);
}
