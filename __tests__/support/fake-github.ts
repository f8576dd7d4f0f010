import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.js';

/** One request the fake GitHub API received, with its parsed JSON body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Reply = { status: number; body?: unknown };
export type Handler = (request: ReceivedRequest) => Reply | undefined;

/** The REST API versions the fake (like GitHub) accepts in `X-GitHub-Api-Version`. */
export const SUPPORTED_API_VERSIONS = ['2022-11-28'];

/**
 * A fake of the GitHub REST API on 127.0.0.1 (the real one cannot be reached here). It records what
 * it is sent, so tests check the exact requests; routes answer from handlers, others with 404.
 */
export class FakeGitHub {
  readonly requests: ReceivedRequest[] = [];
  private readonly handlers: Handler[] = [];
  private readonly loopback = new LoopbackServer(createServer((req, res) => void this.handle(req, res)));

  get url(): string {
    return this.loopback.url;
  }

  on(method: string, path: string | RegExp, reply: Reply | ((r: ReceivedRequest) => Reply)): this {
    this.handlers.push((r) => {
      const matches = r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path));
      if (!matches) return undefined;
      return typeof reply === 'function' ? reply(r) : reply;
    });
    return this;
  }

  async start(): Promise<this> {
    await this.loopback.listen();
    return this;
  }

  async stop(): Promise<void> {
    await this.loopback.close();
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
    const refusal = refuse(request);
    const reply = refusal ?? this.handlers.map((h) => h(request)).find((r) => r !== undefined) ?? { status: 404, body: { message: 'Not Found' } };
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }
}

/** Why GitHub would refuse this request, as GitHub answers it; undefined when it is acceptable. */
function refuse(r: ReceivedRequest): Reply | undefined {
  const version = r.headers['x-github-api-version'];
  if (typeof version !== 'string' || !SUPPORTED_API_VERSIONS.includes(version)) {
    return { status: 400, body: { message: `X-GitHub-Api-Version ${JSON.stringify(version ?? null)} is not supported (the fake wants one of ${SUPPORTED_API_VERSIONS.join(', ')})` } };
  }
  const problems = [...textProblems(r.body, 'body'), ...limitProblems(r)];
  return problems.length ? { status: 422, body: { message: 'Validation Failed', errors: problems } } : undefined;
}

/** In a `u` pattern a valid pair is one code point; only a lone surrogate is of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Strings with a lone surrogate (text cut inside a character) anywhere in the JSON body. */
function textProblems(value: unknown, at: string): string[] {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value) ? [] : [`${at} is not valid Unicode (a lone surrogate)`];
  if (Array.isArray(value)) return value.flatMap((v, i) => textProblems(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => textProblems(v, `${at}.${k}`));
  return [];
}

const chars = (s: unknown) => (typeof s === 'string' ? [...s].length : 0);
const bytes = (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s, 'utf8') : 0);

/** GitHub's documented limits on the texts ai-deploy sends (characters are code points, KB are bytes). */
function limitProblems(r: ReceivedRequest): string[] {
  const body = (r.body ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  const over = (what: string, size: number, max: number) => size > max && out.push(`${what} is ${size}, over ${max}`);
  if (/\/check-runs(\/\d+)?$/.test(r.path)) {
    const output = (body.output ?? {}) as { title?: unknown; summary?: unknown; annotations?: { title?: unknown; message?: unknown }[] };
    over('output.title characters', chars(output.title), 255);
    over('output.summary characters', chars(output.summary), 65_535);
    over('output.annotations per request', (output.annotations ?? []).length, 50);
    for (const [i, a] of (output.annotations ?? []).entries()) {
      over(`output.annotations[${i}].title characters`, chars(a.title), 255);
      over(`output.annotations[${i}].message bytes`, bytes(a.message), 64 * 1024);
    }
  }
  if (/\/comments(\/\d+)?$/.test(r.path)) over('body characters', chars(body.body), 65_536);
  if (/\/deployments(\/\d+\/statuses)?$/.test(r.path)) over('description characters', chars(body.description), 140);
  return out;
}
