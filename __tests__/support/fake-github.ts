import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake GitHub API received, with its parsed JSON body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Reply = { status: number; body?: unknown };
export type Handler = (request: ReceivedRequest) => Reply | undefined;

/**
 * A fake of the GitHub REST API on 127.0.0.1 (the real one cannot be reached here). It records what
 * it is sent, so tests check the exact requests; routes answer from handlers, others with 404.
 */
export class FakeGitHub {
  readonly requests: ReceivedRequest[] = [];
  private readonly handlers: Handler[] = [];
  private server = createServer((req, res) => void this.handle(req, res));
  url = '';

  on(method: string, path: string | RegExp, reply: Reply | ((r: ReceivedRequest) => Reply)): this {
    this.handlers.push((r) => {
      const matches = r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path));
      if (!matches) return undefined;
      return typeof reply === 'function' ? reply(r) : reply;
    });
    return this;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  received(method: string, path: string | RegExp): ReceivedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const request: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(request);
    const reply = this.handlers.map((h) => h(request)).find((r) => r !== undefined) ?? { status: 404, body: { message: 'Not Found' } };
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }
}
