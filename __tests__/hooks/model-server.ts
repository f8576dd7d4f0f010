import { LoopbackServer } from '../support/loopback-server.js';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A stand-in for a model service's endpoints, for http hooks: healthy, slow, broken, wrong answer,
 * hanging (before and after the headers), and flaky (fails a set number of times, then is healthy).
 * It records every request it receives.
 */
export class ModelServer {
  readonly received: Received[] = [];
  /** How many more requests to /flaky fail with 503 before it answers 200. */
  flakyFailures = 0;
  url = '';
  private readonly server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? '/';
    this.received.push({ method: req.method ?? 'GET', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    this.answer(path.split('?')[0], req.headers, res);
  });

  private answer(path: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (path) {
      case '/healthz':
        return json(200, { status: 'ready', model: 'sentiment', version: 'v7' });
      case '/slow':
        setTimeout(() => json(200, { status: 'ready' }), 300);
        return;
      case '/broken':
        return json(500, { error: 'model not loaded: weights missing' });
      case '/loading':
        return json(200, { status: 'loading' });
      case '/hang':
        return; // never answers
      case '/hang-body':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        return; // never ends the body
      case '/flaky':
        if (this.flakyFailures > 0) {
          this.flakyFailures--;
          return json(503, { error: 'warming up' });
        }
        return json(200, { status: 'ready' });
      case '/echo-auth':
        return json(401, { error: `bad credentials: ${headers.authorization ?? ''}` });
      default:
        return json(404, { error: 'no such route' });
    }
  }

  private readonly loopback = new LoopbackServer(this.server);

  async start(): Promise<this> {
    this.url = await this.loopback.listen();
    return this;
  }

  requestsTo(path: string): Received[] {
    return this.received.filter((r) => r.path.split('?')[0] === path);
  }

  stop(): Promise<void> {
    return this.loopback.close();
  }
}
