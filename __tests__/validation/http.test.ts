import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { JsonPoster } from '../../shared/validation/endpoint/http.js';
import { resolveEndpoint } from '../../shared/validation/endpoint/spec.js';
import { EndpointError } from '../../shared/validation/endpoint/types.js';
import { ModelServer } from '../support/model-server.js';
import { folderWith } from './fixtures.js';

/** A server under the test's control, with the connections it accepted counted and closed at the end. */
interface Served {
  url: string;
  connections: number;
  requests: number;
  open: Set<Socket>;
  close(): Promise<void>;
}

const running: Served[] = [];
const posters: JsonPoster[] = [];
afterEach(async () => {
  await Promise.all(posters.splice(0).map((p) => p.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(server: HttpServer | NetServer, scheme = 'http'): Promise<Served> {
  const served: Served = { url: '', connections: 0, requests: 0, open: new Set(), close: () => Promise.resolve() };
  server.on(scheme === 'https' ? 'secureConnection' : 'connection', (s: Socket) => {
    served.connections++;
    served.open.add(s);
    s.on('close', () => served.open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  served.url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}/v1/answer`;
  served.close = async () => {
    for (const s of served.open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  running.push(served);
  return served;
}

/** An HTTP server (Node's own) answering each request with `handle`. */
async function httpServer(handle: (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void, configure?: (s: HttpServer) => void): Promise<Served> {
  let served: Served;
  const server = createHttpServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    handle(req, res, ++served.requests, body);
  });
  configure?.(server);
  served = await serve(server);
  return served;
}

/** A raw TCP server: `respond` gets each request's head and body (Content-Length framed) and writes what it likes. */
async function rawServer(respond: (socket: Socket, n: number, onConnection: number) => void): Promise<Served> {
  let served: Served;
  const server = createNetServer((socket) => {
    let pending = Buffer.alloc(0);
    let onConnection = 0;
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(pending.subarray(0, end).toString())?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        pending = pending.subarray(end + 4 + length);
        respond(socket, ++served.requests, ++onConnection);
      }
    });
    socket.on('error', () => undefined);
  });
  served = await serve(server);
  return served;
}

function poster(url: string, options: { connections?: number; timeoutMs?: number; retries?: number; headers?: Record<string, string> } = {}): JsonPoster {
  const p = new JsonPoster(url, options.headers ?? {}, options.connections ?? 2, options.timeoutMs ?? 2000, options.retries ?? 0);
  posters.push(p);
  return p;
}

const json = (value: unknown) => {
  const text = JSON.stringify(value);
  return `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
};

describe('JsonPoster against the model server', () => {
  const model = new ModelServer({ answers: { hi: 'hello' } });
  beforeAll(() => model.start());
  afterAll(() => model.stop());

  it('posts JSON and returns the parsed answer', async () => {
    const p = poster(`${model.chatUrl('deterministic')}/chat/completions`);
    const answer = (await p.post(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }))) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0].message.content).toBe('hello');
  });

  it('reports HTTP 4xx without retrying, HTML as HTML and a 5xx after its retries', async () => {
    const before = { ...model.requests };
    const count = (mode: string) => (model.requests[mode] ?? 0) - (before[mode] ?? 0);
    await expect(poster(`${model.url}/deterministic/v1/nowhere`, { retries: 2 }).post('{}')).rejects.toThrow(/\/deterministic\/v1\/nowhere answered HTTP 404: "{\\"error\\":\\"not found\\"}"/);
    expect(count('deterministic')).toBe(1);
    await expect(poster(`${model.chatUrl('html')}/chat/completions`, { retries: 2 }).post('{}')).rejects.toThrow('answered HTML, not JSON (content-type text/html): "502 Bad Gateway"');
    expect(count('html')).toBe(1);
    const failing = poster(`${model.chatUrl('failing')}/chat/completions`, { retries: 2 }).post('{}');
    await expect(failing).rejects.toThrow(EndpointError);
    await expect(failing).rejects.toThrow(/answered HTTP 500: .*model crashed/);
    expect(count('failing')).toBe(3);
  });
});

describe('JsonPoster connections', () => {
  it('keeps at most `connections` sockets open and reuses them for every request', async () => {
    const server = await httpServer((_req, res, _n, body) => res.end(JSON.stringify({ echo: JSON.parse(body).i })));
    const p = poster(server.url, { connections: 3 });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => p.post(JSON.stringify({ i }))));
    expect(answers).toEqual(Array.from({ length: 60 }, (_, i) => ({ echo: i })));
    expect(server.connections).toBe(3);
    for (let i = 0; i < 5; i++) await p.post(JSON.stringify({ i }));
    expect(server.connections).toBe(3);
  });

  it('opens a new connection after an answer with Connection: close', async () => {
    const server = await rawServer((socket, n) => {
      const text = JSON.stringify({ n });
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${text.length}\r\n\r\n${text}`);
      socket.end();
    });
    const p = poster(server.url, { connections: 1 });
    expect(await p.post('{}')).toEqual({ n: 1 });
    expect(await p.post('{}')).toEqual({ n: 2 });
    expect(server.connections).toBe(2);
  });

  it('does not reuse a connection the server closed while it was idle', async () => {
    // Keep-alive without a timeout hint; the server drops the socket a moment after each answer.
    const server = await rawServer((socket, n) => {
      socket.write(json({ n }));
      setTimeout(() => socket.destroy(), 20);
    });
    const p = poster(server.url, { connections: 1, retries: 0 });
    expect(await p.post('{}')).toEqual({ n: 1 });
    await new Promise((r) => setTimeout(r, 150));
    expect(await p.post('{}')).toEqual({ n: 2 });
    expect(server.connections).toBe(2);
  });

  it("reuses an idle connection only within the server's Keep-Alive timeout, less a second", async () => {
    // Node's server announces `Keep-Alive: timeout=N` from its keepAliveTimeout: 5 s by default, here also 1 s.
    const usual = await httpServer((_req, res) => res.end('{}'));
    const brief = await httpServer((_req, res) => res.end('{}'), (s) => (s.keepAliveTimeout = 1000));
    for (const server of [usual, brief]) {
      const p = poster(server.url, { connections: 1 });
      await p.post('{}');
      await new Promise((r) => setTimeout(r, 50));
      await p.post('{}');
    }
    expect(usual.connections).toBe(1);
    expect(brief.connections).toBe(2);
  });

  it('close() ends every socket, so nothing is left to keep the process alive', async () => {
    const server = await httpServer((_req, res) => res.end('{}'));
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    await new Promise((r) => setTimeout(r, 50)); // sockets of the tests before have finished closing
    const baseline = sockets();
    const p = new JsonPoster(server.url, {}, 4, 2000, 0);
    await Promise.all(Array.from({ length: 8 }, () => p.post('{}')));
    expect(server.open.size).toBe(4);
    await p.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.open.size).toBe(0);
    expect(sockets()).toBe(baseline);
    await expect(p.post('{}')).rejects.toThrow(/client is closed/);
  });
});

describe('JsonPoster responses', () => {
  it('reads a chunked answer written in pieces', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices": [{"message"');
      setTimeout(() => res.write(': {"content": "in '), 10);
      setTimeout(() => res.end('pieces"}}]}'), 20);
    });
    expect(await poster(server.url).post('{}')).toEqual({ choices: [{ message: { content: 'in pieces' } }] });
  });

  it('reads an answer whose length is given by closing the connection, and a multi-byte character split between packets', async () => {
    const text = Buffer.from(JSON.stringify({ content: 'café – ünïcode' }));
    const split = text.indexOf(Buffer.from('é')) + 1; // between the two bytes of é
    // Three reads, so each piece of the body lands at the start of the client's read buffer.
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n');
      setTimeout(() => socket.write(text.subarray(0, split)), 20);
      setTimeout(() => socket.end(text.subarray(split)), 40);
    });
    expect(await poster(server.url).post('{}')).toEqual({ content: 'café – ünïcode' });
  });

  it('skips an informational 103 answer and returns the final one', async () => {
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n${json({ final: true })}`));
    expect(await poster(server.url).post('{}')).toEqual({ final: true });
  });

  it('sends the suite headers in place of its own of the same name', async () => {
    let seen: IncomingMessage['headers'] = {};
    const server = await httpServer((req, res) => {
      seen = req.headers;
      res.end('{}');
    });
    await poster(server.url, { headers: { Accept: 'application/vnd.x+json', 'x-api-key': 'k' } }).post('{"a": "é"}');
    expect(seen).toMatchObject({ accept: 'application/vnd.x+json', 'x-api-key': 'k', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength('{"a": "é"}')) });
  });

  it('says so when the answer is not HTTP, or is invalid JSON, without retrying', async () => {
    const garbage = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    await expect(poster(garbage.url, { retries: 2 }).post('{}')).rejects.toThrow(/answered with malformed HTTP/);
    expect(garbage.requests).toBe(1);
    const broken = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n{"a": tru'));
    await expect(poster(broken.url, { retries: 2 }).post('{}')).rejects.toThrow('answered with invalid JSON: "{\\"a\\": tru"');
    expect(broken.requests).toBe(1);
  });
});

describe('JsonPoster failures, retries and timeouts', () => {
  it('retries 503 and 429 with growing waits, and succeeds once the server recovers', async () => {
    const server = await httpServer((_req, res, n) => {
      if (n === 1) return void res.writeHead(503).end('{"error": "overloaded"}');
      if (n === 2) return void res.writeHead(429).end('{"error": "slow down"}');
      res.end('{"ok": true}');
    });
    const started = performance.now();
    expect(await poster(server.url, { retries: 2 }).post('{}')).toEqual({ ok: true });
    // Waits of 100 ms then 200 ms before the second and third attempts.
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.requests).toBe(3);
  });

  it('gives up after `retries` retries with the last error', async () => {
    const server = await httpServer((_req, res) => void res.writeHead(429).end('{"error": "slow down"}'));
    await expect(poster(server.url, { retries: 1 }).post('{}')).rejects.toThrow(/answered HTTP 429: .*slow down/);
    expect(server.requests).toBe(2);
  });

  it('retries a connection dropped before the answer', async () => {
    const server = await rawServer((socket, n) => (n === 1 ? socket.destroy() : socket.write(json({ n }))));
    expect(await poster(server.url, { retries: 1 }).post('{}')).toEqual({ n: 2 });
    const again = await rawServer((socket) => socket.destroy());
    await expect(poster(again.url, { retries: 0 }).post('{}')).rejects.toThrow(/could not be reached: the connection closed before a complete answer/);
  });

  it('reports a connection closed in the middle of a sized answer as dropped', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"cut'));
    await expect(poster(server.url, { retries: 1 }).post('{}')).rejects.toThrow(/could not be reached: the connection closed in the middle of an answer/);
    expect(server.requests).toBe(2);
  });

  it('reports nothing listening as unreachable', async () => {
    const server = await httpServer(() => undefined);
    const url = server.url;
    await server.close();
    await expect(poster(url, { retries: 0 }).post('{}')).rejects.toThrow(/could not be reached: connect ECONNREFUSED/);
  });

  it('reports a hang after the timeout and does not retry it', async () => {
    const server = await rawServer(() => undefined);
    const started = performance.now();
    await expect(poster(server.url, { timeoutMs: 200, retries: 2 }).post('{}')).rejects.toThrow(`${server.url} did not answer within 200 ms`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(server.requests).toBe(1);
  });

  it('reports an answer that stops half way, after the timeout', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"partial'));
    await expect(poster(server.url, { timeoutMs: 200, retries: 2 }).post('{}')).rejects.toThrow(`${server.url} did not finish its answer within 200 ms`);
    expect(server.requests).toBe(1);
  });

  it('keeps the timeout per request: a slow stream of chunks that each come in time is not cut', async () => {
    const server = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const parts = ['{"a":', ' 1', ', "b"', ': 2}'];
      // 600 ms in all, more than the timeout, but never 400 ms without a byte.
      parts.forEach((part, i) => setTimeout(() => (i === parts.length - 1 ? res.end(part) : res.write(part)), 150 * (i + 1)));
    });
    expect(await poster(server.url, { timeoutMs: 400 }).post('{}')).toEqual({ a: 1, b: 2 });
  });
});

describe('JsonPoster over TLS', () => {
  const dir = folderWith({}).dir;
  let key: string;
  let cert: string;
  beforeAll(() => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    [key, cert] = [readFileSync(`${dir}/key.pem`, 'utf8'), readFileSync(`${dir}/cert.pem`, 'utf8')];
  });

  async function httpsServer(): Promise<Served> {
    const server = createHttpsServer({ key, cert }, (req, res) => {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ secure: true, host: req.headers.host })));
    });
    return serve(server, 'https');
  }

  it('refuses a certificate it does not trust, as unreachable', async () => {
    const server = await httpsServer();
    await expect(poster(server.url).post('{}')).rejects.toThrow(/could not be reached: self[- ]signed certificate/);
  });

  it('posts over https to a trusted server by name, reusing the connection', async () => {
    const defaults = getCACertificates('default');
    setDefaultCACertificates([...defaults, cert]);
    try {
      const server = await httpsServer();
      const url = server.url.replace('127.0.0.1', 'localhost');
      const p = poster(url, { connections: 1 });
      expect(await p.post('{}')).toEqual({ secure: true, host: new URL(url).host });
      expect(await p.post('{}')).toEqual({ secure: true, host: new URL(url).host });
      expect(server.connections).toBe(1);
    } finally {
      setDefaultCACertificates(defaults);
    }
  });
});

describe('endpoint headers', () => {
  const resolve = (headers: Record<string, string>, apiKey?: string) => resolveEndpoint({ url: 'http://127.0.0.1:1/v1', headers }, { timeoutMs: 1000, retries: 0, apiKey }, 's.yaml');

  it('refuses headers that cannot be sent, before any request', () => {
    expect(() => resolve({ 'x-token': 'a\r\nx-injected: 1' })).toThrow('Suite s.yaml: endpoint header `x-token` has a line break or NUL in its value.');
    expect(() => resolve({ 'bad name': 'v' })).toThrow('Suite s.yaml: endpoint header name "bad name" is not a valid HTTP header name.');
    expect(() => resolve({ 'Content-Length': '5' })).toThrow('Suite s.yaml: endpoint header `Content-Length` is set by the client itself.');
    expect(() => resolve({}, 'sk-123\n')).toThrow(/The `api-key` input has a line break/);
    expect(resolve({ 'x-token': 'fine' }, 'sk-123').headers).toEqual({ 'x-token': 'fine', authorization: 'Bearer sk-123' });
  });

  it('refuses them in the client too, whoever builds it', () => {
    expect(() => new JsonPoster('http://127.0.0.1:1/v1', { connection: 'close' }, 1, 1000, 0)).toThrow('http://127.0.0.1:1/v1: header `connection` is set by the client itself');
  });
});
