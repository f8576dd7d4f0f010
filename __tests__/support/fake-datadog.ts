import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.js';

/** One request the fake Datadog API received. */
export interface DatadogRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The `from`/`to` query parameters (seconds) and the metrics query. */
  from: number;
  to: number;
  query: string;
}

/** What the fake answers a well-formed request with: one of the recorded response shapes. */
export type DatadogAnswer =
  | { shape: 'points'; values: [number, number] }
  | { shape: 'empty' }
  | { shape: 'status-error' }
  | { shape: 'bad-query' }
  | { shape: 'rate-limited' }
  | { shape: 'html-error' };

const FIXTURES = new URL('../metrics/fixtures/datadog/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');

/**
 * A fake of Datadog's metrics query API (`GET /api/v1/query`) on 127.0.0.1 (the real one cannot be reached here).
 * It checks every request as Datadog would and records a problem for anything else: the path and method, both
 * keys in their headers (a wrong or missing key is answered 403, as Datadog does), `from`/`to` as whole seconds
 * with `from` < `to`, and a query. Well-formed requests are answered from `answer` with the recorded shapes in
 * __tests__/metrics/fixtures/datadog/.
 */
export class FakeDatadog {
  readonly requests: DatadogRequest[] = [];
  readonly problems: string[] = [];
  private readonly loopback = new LoopbackServer(createServer((req, res) => this.handle(req, res)));

  get url(): string {
    return this.loopback.url;
  }

  constructor(private readonly keys: { api: string; app: string }, private readonly answer: (r: DatadogRequest) => DatadogAnswer) {}

  async start(): Promise<this> {
    await this.loopback.listen();
    return this;
  }

  async stop(): Promise<void> {
    await this.loopback.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const params = url.searchParams;
    const request: DatadogRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers, from: Number(params.get('from')), to: Number(params.get('to')), query: params.get('query') ?? '' };
    this.requests.push(request);
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const problem = (what: string, status: number, body: string) => {
      this.problems.push(`${req.method} ${req.url}: ${what}`);
      send(status, body);
    };
    if (request.method !== 'GET' || request.path !== '/api/v1/query') return problem('not GET /api/v1/query', 404, '{"errors":["Not found"]}');
    if (req.headers['dd-api-key'] !== this.keys.api || req.headers['dd-application-key'] !== this.keys.app) return problem('wrong or missing keys', 403, fixture('forbidden'));
    if (!/^\d+$/.test(params.get('from') ?? '') || !/^\d+$/.test(params.get('to') ?? '') || !(request.from < request.to)) return problem('from/to not whole seconds with from < to', 400, '{"errors":["Invalid time range"]}');
    if (!request.query) return problem('no query', 400, '{"errors":["query is required"]}');

    const answer = this.answer(request);
    const fill = (text: string, values: [number, number] = [0, 0]) => {
      const ms = request.from * 1000;
      return text
        .replaceAll('__QUERY__', JSON.stringify(request.query).slice(1, -1))
        .replaceAll('__FROM__', String(ms))
        .replaceAll('__TO__', String(request.to * 1000))
        .replaceAll('__SCOPE__', (/\{([^}]*)\}/.exec(request.query)?.[1] ?? '*').replaceAll('"', ''))
        .replaceAll('__P0__', String(ms))
        .replaceAll('__P1__', String(ms + 20_000))
        .replaceAll('__P2__', String(ms + 40_000))
        .replaceAll('__V0__', String(values[0]))
        .replaceAll('__V2__', String(values[1]));
    };
    switch (answer.shape) {
      case 'points': return send(200, fill(fixture('ok'), answer.values));
      case 'empty': return send(200, fill(fixture('empty')));
      case 'status-error': return send(200, fill(fixture('status-error')));
      case 'bad-query': return send(400, fixture('bad-query'));
      case 'rate-limited': return send(429, fixture('rate-limited'));
      case 'html-error': return send(502, '<html><body>502 Bad Gateway</body></html>', 'text/html');
    }
  }
}
