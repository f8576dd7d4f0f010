import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { HttpClient, HttpFailure, readText, type HttpClientOptions } from '../../shared/http/client.js';
import { retryAfterMs } from '../../shared/http/retry-after.js';
import { LoopbackServer } from '../support/loopback-server.js';
import { folderWith } from '../validation/fixtures.js';

interface Served {
  url: string;
  requests: { method: string; path: string; body: string }[];
  connections: number;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

/** A loopback server answering with `handle` (given the request number from 1), counting requests and connections. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void, make: (h: (req: IncomingMessage, res: ServerResponse) => void) => Server = (h) => createServer(h)): Promise<Served> {
  const served: Served = { url: '', requests: [], connections: 0 };
  const server = make(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    served.requests.push({ method: req.method ?? '', path: req.url ?? '', body });
    handle(req, res, served.requests.length);
  });
  server.on('connection', () => served.connections++);
  const loopback = new LoopbackServer(server);
  served.url = await loopback.listen();
  open.push(loopback);
  return served;
}

function client(options: Partial<HttpClientOptions> = {}): HttpClient {
  const c = new HttpClient({ timeoutMs: 2000, retries: 0, backoffMs: 10, ...options });
  open.push(c);
  return c;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('HttpClient retries', () => {
  it('retries 503 and 429 and returns the answer once the server recovers', async () => {
    const s = await serve((_req, res, n) => (n === 1 ? json(res, 503, { e: 'busy' }) : n === 2 ? json(res, 429, { e: 'slow down' }) : json(res, 200, { ok: n })));
    const answer = await client({ retries: 2 }).text({ url: `${s.url}/x`, method: 'POST', body: '{}' });
    expect(answer).toMatchObject({ status: 200, text: '{"ok":3}' });
    expect(s.requests).toHaveLength(3);
  });

  it('waits what Retry-After asks on a 429 before trying again', async () => {
    const s = await serve((_req, res, n) => (n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { ok: true })));
    const started = performance.now();
    expect((await client({ retries: 1 }).text({ url: s.url })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
  });

  it('does not wait a Retry-After longer than the timeout: it fails at once and says why', async () => {
    const s = await serve((_req, res) => json(res, 503, { e: 'maintenance' }, { 'retry-after': String(365 * 24 * 3600) }));
    const started = performance.now();
    await expect(client({ retries: 3, timeoutMs: 1000 }).text({ url: s.url })).rejects.toThrow(
      `${s.url} answered HTTP 503: "{\\"e\\":\\"maintenance\\"}"; it asks to retry after 8760h, longer than the timeout (1s), so it was not waited for`,
    );
    expect(performance.now() - started).toBeLessThan(900);
    expect(s.requests).toHaveLength(1);
  });

  it('gives up after `retries` retries with the last answer in the error', async () => {
    const s = await serve((_req, res) => json(res, 500, { error: 'model crashed' }));
    await expect(client({ retries: 2 }).text({ url: s.url })).rejects.toThrow(/answered HTTP 500: .*model crashed/);
    expect(s.requests).toHaveLength(3);
  });

  it('does not retry a 4xx but returns it to the caller', async () => {
    const s = await serve((_req, res) => json(res, 404, { error: 'no such model' }));
    expect(await client({ retries: 2 }).text({ url: s.url })).toMatchObject({ status: 404 });
    expect(s.requests).toHaveLength(1);
  });

  it('reports nothing listening as unreachable, after its retries', async () => {
    const s = await serve(() => undefined);
    await open.pop()!.close();
    await expect(client({ retries: 1 }).text({ url: s.url })).rejects.toThrow(/could not be reached: .*ECONNREFUSED/);
  });
});

describe('HttpClient timeouts', () => {
  it('fails a request that gets no answer within the timeout, without retrying it', async () => {
    const s = await serve(() => undefined);
    const started = performance.now();
    await expect(client({ retries: 2, timeoutMs: 300 }).text({ url: s.url })).rejects.toThrow(`${s.url} did not answer within 300ms`);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(s.requests).toHaveLength(1);
  });

  it('fails an answer that stops half way within the same timeout', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    });
    await expect(client({ timeoutMs: 300 }).text({ url: s.url })).rejects.toThrow(`${s.url} did not finish its answer within 300ms`);
  });

  it('bounds a whole exchange by the timeout, even when bytes keep trickling in', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('.')), 50);
    });
    const started = performance.now();
    await expect(client({ timeoutMs: 400 }).text({ url: s.url })).rejects.toThrow('did not finish its answer within 400ms');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('HttpClient redirects and connections', () => {
  it('follows a 308 with the same method and body, up to the bound', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/old') return json(res, 308, {}, { location: '/new' });
      if (req.url === '/loop') return json(res, 307, {}, { location: '/loop' });
      json(res, 200, { moved: true });
    });
    const c = client({ maxRedirects: 3 });
    expect(await c.text({ url: `${s.url}/old`, method: 'POST', body: '{"q":1}' })).toMatchObject({ status: 200, text: '{"moved":true}' });
    expect(s.requests.slice(0, 2)).toEqual([{ method: 'POST', path: '/old', body: '{"q":1}' }, { method: 'POST', path: '/new', body: '{"q":1}' }]);
    await expect(c.text({ url: `${s.url}/loop`, method: 'POST', body: '{}' })).rejects.toThrow(/redirect/i);
    expect(s.requests.filter((r) => r.path === '/loop').length).toBeLessThanOrEqual(4);
  });

  it('keeps at most `connections` sockets and reuses them', async () => {
    const s = await serve((_req, res) => setTimeout(() => json(res, 200, {}), 20));
    const c = client({ connections: 2 });
    await Promise.all(Array.from({ length: 10 }, () => c.text({ url: s.url })));
    await Promise.all(Array.from({ length: 10 }, () => c.text({ url: s.url })));
    expect(s.requests).toHaveLength(20);
    expect(s.connections).toBe(2);
  });

  it('streams a body to the reader as it arrives', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      setTimeout(() => res.end('second'), 100);
    });
    const seen: string[] = [];
    await client().exchange({ url: s.url }, async (r) => {
      for await (const chunk of r.body) seen.push(String(chunk));
    });
    expect(seen).toEqual(['first ', 'second']);
  });
});

describe('HttpClient over TLS', () => {
  const dir = folderWith({}).dir;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const [key, cert] = [readFileSync(`${dir}/key.pem`, 'utf8'), readFileSync(`${dir}/cert.pem`, 'utf8')];
  const httpsServer = () => serve((_req, res) => json(res, 200, { secure: true }), (h) => createHttpsServer({ key, cert }, h) as unknown as Server);

  it('refuses a certificate nobody said to trust, as unreachable', async () => {
    const s = await httpsServer();
    await expect(client().text({ url: s.url.replace('http:', 'https:') })).rejects.toThrow(/could not be reached: .*self[- ]signed certificate/);
  });

  it("trusts a CA added to Node's default store (where NODE_EXTRA_CA_CERTS goes at start)", async () => {
    const defaults = getCACertificates('default');
    setDefaultCACertificates([...defaults, cert]);
    try {
      const s = await httpsServer();
      expect(await client().text({ url: s.url.replace('http://127.0.0.1', 'https://localhost') })).toMatchObject({ status: 200, text: '{"secure":true}' });
    } finally {
      setDefaultCACertificates(defaults);
    }
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('HttpFailure carries the status of the last answer', async () => {
    const s = await serve((_req, res) => json(res, 502, {}));
    const error = await client().text({ url: s.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpFailure);
    expect((error as HttpFailure).status).toBe(502);
    expect(await readText((async function* () { yield Buffer.from('abcdef'); })(), 3)).toBe('abc');
  });
});

describe('HttpClient and HTTP/2', () => {
  it('speaks HTTP/2 to a TLS server that only offers it', async () => {
    const { createSecureServer } = await import('node:http2');
    const dir = folderWith({}).dir;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const [key, cert] = [readFileSync(`${dir}/key.pem`, 'utf8'), readFileSync(`${dir}/cert.pem`, 'utf8')];
    const server = createSecureServer({ key, cert, allowHTTP1: false }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: req.httpVersion }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const defaults = getCACertificates('default');
    setDefaultCACertificates([...defaults, cert]);
    try {
      const c = client();
      expect(await c.text({ url: `https://localhost:${port}/v1`, method: 'POST', body: '{}' })).toMatchObject({ status: 200, text: '{"version":"2.0"}' });
      await c.close();
    } finally {
      setDefaultCACertificates(defaults);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
