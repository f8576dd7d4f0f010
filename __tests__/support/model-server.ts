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
 */
export type Mode = 'deterministic' | 'noisy' | 'slow' | 'failing' | 'flaky' | 'html' | 'hanging' | 'refusing';

export interface ModelServerOptions {
  answers?: Record<string, string>;
  noisyPassRate?: number;
  /** Per-prompt pass rate in noisy mode, overriding `noisyPassRate`. */
  noisyRates?: Record<string, number>;
  slowMs?: number;
  seed?: number;
}

export class ModelServer {
  /** Requests received per mode. */
  readonly requests: Record<string, number> = {};
  /** Prompts received, in order (only kept when `keepPrompts`). */
  readonly prompts: string[] = [];
  keepPrompts = false;
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
    const [, mode, ...rest] = (req.url ?? '/').split('/');
    this.requests[mode] = (this.requests[mode] ?? 0) + 1;
    const chat = rest.join('/') === 'v1/chat/completions';
    const generic = rest.join('/') === 'generate';
    if (req.method !== 'POST' || (!chat && !generic)) return this.send(res, 404, { error: 'not found' });
    let prompt: string;
    try {
      const json = JSON.parse(body) as { messages?: { role: string; content: string }[]; prompt?: string; input?: string };
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
      default:
        return this.send(res, 404, { error: `unknown mode ${mode}` });
    }
    if (chat) this.send(res, 200, { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] });
    else this.send(res, 200, { result: { text } });
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

// `node model-server.js [port]` serves until killed (the benchmark runs it in its own process).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await new ModelServer().start(Number(process.argv[2] ?? 0));
  process.stdout.write(`${server.url}\n`);
}
