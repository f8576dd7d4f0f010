import { LoopbackServer } from './loopback-server.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

/**
 * A local model server for the tests and the benchmark, speaking the OpenAI chat API
 * (`POST /<mode>/v1/chat/completions`) and a generic JSON API (`POST /<mode>/generate` with
 * `{prompt}` or `{input}`, answering `{result: {text}}`). The mode is the first path segment:
 *
 * - `deterministic`: the configured answer for the prompt, else `Echo: <prompt>`
 * - `noisy`: the deterministic answer with probability `noisyPassRate` (seeded, so runs repeat), else `I am not sure.`
 * - `slow`: deterministic after `slowMs`
 * - `failing`: HTTP 500 with a JSON error
 * - `flaky`: every other request fails with HTTP 503, the others answer as deterministic
 * - `html`: HTTP 200 with an HTML page (a proxy's error page, say)
 * - `hanging`: accepts the request and never answers
 * - `refusing`: `I'm sorry, but I can't help with that.`
 * - `redirect`: 308 to the same path under `deterministic` (a moved API keeps method and body on 307/308)
 * - `judge`: a grader for `judge` assertions: `{"pass": ..., "reason": ...}`, passing when the answer to grade
 *   contains what the rubric's `mentions X` names (any case); `judge-prose` answers a verdict in prose only
 * - `cut-stream`: a streamed answer that stops in the middle of an event (the connection ends cleanly)
 *
 * A chat request with `stream: true` is answered with Server-Sent Events as the OpenAI API sends them: one
 * `chat.completion.chunk` per word (`streamDelayMs` apart), a `usage` chunk when `stream_options.include_usage`,
 * then `data: [DONE]`. With `rateLimit`, requests over `perSecond` in the current second get 429 with
 * `Retry-After` (`retryAfter`, default 1) and count in `rateLimited`. With `latencyMs: [min, max]`, every
 * answer waits a uniform (seeded) time in that range first, as a real model does.
 */
export type Mode = 'deterministic' | 'noisy' | 'slow' | 'failing' | 'flaky' | 'html' | 'hanging' | 'refusing' | 'redirect' | 'cut-stream' | 'judge' | 'judge-prose';

export interface ModelServerOptions {
  answers?: Record<string, string>;
  noisyPassRate?: number;
  /** Per-prompt pass rate in noisy mode, overriding `noisyPassRate`. */
  noisyRates?: Record<string, number>;
  slowMs?: number;
  seed?: number;
  streamDelayMs?: number;
  rateLimit?: { perSecond: number; retryAfter?: string };
  latencyMs?: [number, number];
}

export class ModelServer {
  /** Requests received per mode. */
  readonly requests: Record<string, number> = {};
  /** Prompts received, in order (only kept when `keepPrompts`). */
  readonly prompts: string[] = [];
  keepPrompts = false;
  /** The `Via` header of the latest request (a proxy that forwarded it names itself there). */
  lastVia: string | undefined;
  /** Requests answered 429 by the rate limit. */
  rateLimited = 0;
  private window = { second: 0, count: 0 };
  url = '';
  private readonly server: Server;
  private readonly loopback: LoopbackServer;
  private state: number;
  private flakyToggle = 0;

  constructor(private readonly options: ModelServerOptions = {}) {
    this.state = options.seed ?? 42;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.loopback = new LoopbackServer(this.server);
  }

  async start(port = 0): Promise<this> {
    this.url = await this.loopback.listen(port);
    return this;
  }

  /** The base URL of a mode's OpenAI-compatible API (`.../v1`), or of its generic endpoint. */
  chatUrl(mode: Mode): string {
    return `${this.url}/${mode}/v1`;
  }

  generateUrl(mode: Mode): string {
    return `${this.url}/${mode}/generate`;
  }

  stop(): Promise<void> {
    return this.loopback.close();
  }

  /** Mulberry32: a seeded generator, so a noisy run gives the same answers every time. */
  private random(): number {
    let t = (this.state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private answer(prompt: string): string {
    return this.options.answers?.[prompt] ?? `Echo: ${prompt}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url === '/stats') return this.send(res, 200, { requests: this.requests, rateLimited: this.rateLimited });
    if (req.url === '/reset') {
      for (const k of Object.keys(this.requests)) delete this.requests[k];
      this.rateLimited = 0;
      return this.send(res, 200, {});
    }
    const [, mode, ...rest] = (req.url ?? '/').split('/');
    this.lastVia = req.headers.via;
    this.requests[mode] = (this.requests[mode] ?? 0) + 1;
    const chat = rest.join('/') === 'v1/chat/completions';
    const generic = rest.join('/') === 'generate';
    if (req.method !== 'POST' || (!chat && !generic)) return this.send(res, 404, { error: 'not found' });
    if (this.overRate()) {
      this.rateLimited++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': this.options.rateLimit!.retryAfter ?? '1' });
      res.end(JSON.stringify({ error: { message: 'rate limit exceeded', type: 'rate_limit_error' } }));
      return;
    }
    if (mode === 'redirect') {
      res.writeHead(308, { location: `/deterministic/${rest.join('/')}` });
      res.end();
      return;
    }
    const [min, max] = this.options.latencyMs ?? [0, 0];
    if (max > 0) await new Promise((r) => setTimeout(r, min + this.random() * (max - min)));
    let prompt: string;
    let stream = false;
    let usage = false;
    try {
      const json = JSON.parse(body) as { messages?: { role: string; content: string }[]; prompt?: string; input?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      stream = chat && json.stream === true;
      usage = json.stream_options?.include_usage === true;
      prompt = chat ? (json.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '') : (json.prompt ?? json.input ?? '');
    } catch {
      return this.send(res, 400, { error: 'invalid JSON' });
    }
    if (this.keepPrompts) this.prompts.push(prompt);
    let text: string;
    switch (mode as Mode) {
      case 'deterministic':
        text = this.answer(prompt);
        break;
      case 'noisy': {
        const rate = this.options.noisyRates?.[prompt] ?? this.options.noisyPassRate ?? 0.7;
        text = this.random() < rate ? this.answer(prompt) : 'I am not sure.';
        break;
      }
      case 'slow':
        await new Promise((r) => setTimeout(r, this.options.slowMs ?? 50));
        text = this.answer(prompt);
        break;
      case 'failing':
        return this.send(res, 500, { error: { message: 'model crashed' } });
      case 'flaky':
        if (this.flakyToggle++ % 2 === 0) return this.send(res, 503, { error: { message: 'overloaded' } });
        text = this.answer(prompt);
        break;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>');
        return;
      case 'hanging':
        return; // never answers; the socket is destroyed on stop()
      case 'refusing':
        text = "I'm sorry, but I can't help with that.";
        break;
      case 'judge': {
        const wanted = /mentions (.+)/.exec(prompt)?.[1]?.split('\n')[0].trim() ?? '';
        const answer = /Answer to grade:\n([\s\S]*)$/.exec(prompt)?.[1] ?? '';
        const pass = wanted !== '' && answer.toLowerCase().includes(wanted.toLowerCase());
        text = `\`\`\`json\n${JSON.stringify({ pass, reason: pass ? `it mentions ${wanted}` : `it does not mention ${wanted}` })}\n\`\`\``;
        break;
      }
      case 'judge-prose':
        text = 'The answer looks fine to me.';
        break;
      case 'cut-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify(chunk('Par'))}\n\ndata: {"id":"x","object":"chat.com`);
        return;
      default:
        return this.send(res, 404, { error: `unknown mode ${mode}` });
    }
    if (stream) return this.stream(res, prompt, text, usage);
    if (chat) this.send(res, 200, { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] });
    else this.send(res, 200, { result: { text } });
  }

  /** One chunk per word, as `chat.completion.chunk` events, then usage and `[DONE]`. */
  private async stream(res: ServerResponse, prompt: string, text: string, usage: boolean): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const words = text.match(/\S+\s*/g) ?? [''];
    const delay = this.options.streamDelayMs ?? 0;
    for (const word of words) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify(chunk(word))}\n\n`);
    }
    if (usage) res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: prompt.split(/\s+/).length, completion_tokens: words.length, total_tokens: prompt.split(/\s+/).length + words.length } })}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  /** Counts the request in the current second's window; true when it is over the limit. */
  private overRate(): boolean {
    const limit = this.options.rateLimit;
    if (!limit) return false;
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.window.second) this.window = { second, count: 0 };
    return ++this.window.count > limit.perSecond;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function chunk(content: string): object {
  return { id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] };
}

// `node model-server.js [port] [options as JSON]` serves until killed (the benchmark runs it in its own
// process); `GET /stats` answers {requests, rateLimited}, `POST /reset` zeroes them.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await new ModelServer(process.argv[3] ? (JSON.parse(process.argv[3]) as ModelServerOptions) : {}).start(Number(process.argv[2] ?? 0));
  process.stdout.write(`${server.url}\n`);
}
