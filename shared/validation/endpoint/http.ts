import pRetry from 'p-retry';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HttpParseError, ResponseParser } from './response-parser.js';
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

/** Each connection's read buffer: a read of up to this many bytes at a time, as Node's sockets do by default. */
const READ_BUFFER_BYTES = 64 * 1024;

/** How long an idle connection is reused when the server does not say (Node's servers close after 5 s). */
const DEFAULT_KEEP_ALIVE_MS = 4_000;

/**
 * One keep-alive HTTP/1.1 connection (plain or TLS) with one request at a time: each request is one socket
 * write, each answer is parsed straight from the socket's data by a ResponseParser.
 */
class Connection {
  readonly socket: Socket;
  private readonly parser = new ResponseParser();
  private readonly timer: NodeJS.Timeout;
  exchange: Exchange | undefined;
  /** performance.now() when the connection went idle, and how long after that it may still be reused. */
  idleSince = 0;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  closed = false;

  constructor(private readonly poster: JsonPoster, target: Target) {
    // Reads land in one buffer per connection, handed straight to the parser: no stream buffering and no
    // `data` event per read (what the parser keeps of a read is copied out before the next one).
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const onread = { buffer, callback: (n: number) => (this.onData(buffer.subarray(0, n)), true) };
    const options = { host: target.host, port: target.port, noDelay: true, keepAlive: true, onread };
    this.socket = target.tls
      ? tlsConnect({ ...options, servername: isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'] })
      : netConnect(options);
    this.timer = setTimeout(() => this.onTimeout(), poster.timeoutMs).unref();
    this.socket.on('error', (error) => this.fail(new Retryable(`${poster.url} could not be reached: ${error.message}`)));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onClose());
  }

  send(exchange: Exchange): void {
    this.exchange = exchange;
    this.parser.reset();
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
    let complete: boolean;
    try {
      complete = this.parser.feed(data);
    } catch (error) {
      if (!(error instanceof HttpParseError)) throw error;
      this.fail(new EndpointError(`${this.poster.url} answered with malformed HTTP: ${error.message}`));
      return;
    }
    if (complete) return this.complete(exchange);
    this.parser.retain();
    // A body that has started has this long again for its next bytes.
    if (this.parser.answered) this.timer.refresh();
  }

  private complete(exchange: Exchange): void {
    const { parser } = this;
    this.exchange = undefined;
    const { body } = parser;
    const text = body.length === 0 ? '' : body.length === 1 ? body[0].toString('utf8') : Buffer.concat(body).toString('utf8');
    const response = { status: parser.status, contentType: parser.contentType, text };
    if (parser.keepAlive) {
      // Reused only until a second before the server said it would close it, so no request races that close.
      if (parser.keepAliveSeconds !== undefined) this.keepAliveMs = Math.max(0, parser.keepAliveSeconds * 1000 - 1000);
      this.socket.unref();
      this.idleSince = performance.now();
      this.poster.release(this);
    } else this.destroy();
    exchange.resolve(response);
  }

  private onEnd(): void {
    const exchange = this.exchange;
    if (!exchange) return;
    // A body without a length ends when the server closes the connection.
    if (this.parser.end()) this.complete(exchange);
    else if (this.parser.answered) this.fail(new Retryable(`${this.poster.url} could not be reached: the connection closed in the middle of an answer`));
  }

  private onClose(): void {
    this.fail(new Retryable(`${this.poster.url} could not be reached: the connection closed before a complete answer`));
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.poster.forget(this);
  }

  private onTimeout(): void {
    if (!this.exchange) return;
    const { url, timeoutMs } = this.poster;
    this.fail(new EndpointError(this.parser.answered ? `${url} did not finish its answer within ${timeoutMs} ms` : `${url} did not answer within ${timeoutMs} ms`));
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

  /** One JSON answer; `retries` more tries of what may pass on a second try (p-retry: 100 ms, doubling). */
  async post(body: string): Promise<unknown> {
    try {
      return await pRetry(async () => this.parse(await this.send(body)), {
        retries: this.retries,
        minTimeout: 100,
        factor: 2,
        shouldRetry: ({ error }) => error instanceof Retryable,
      });
    } catch (error) {
      throw error instanceof Retryable ? new EndpointError(error.message) : error;
    }
  }

  private send(body: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const exchange: Exchange = { request: `${this.head}${Buffer.byteLength(body)}\r\n\r\n${body}`, resolve, reject };
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
