import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * A fault-injecting HTTPS proxy in front of the sandbox's real API server, for tests of how the actions
 * behave when the network and the API server misbehave. It terminates TLS with a CA of its own (made for
 * the test with openssl) and forwards to the API server with the sandbox's client certificate, on an
 * ephemeral loopback port. What it does to each request:
 * - a seeded random schedule (`schedule`): 500, 503, 429 (with Retry-After), 409 on writes, delays, and
 *   connection resets, each before the request reaches the API server or after it was applied;
 * - `cutFromWrite(n)`: the n-th write is applied, then the API server "goes away" (every request after it
 *   fails) until `heal()`: a step dying at that write;
 * - `hold(match)`: the first request matching is held until released, to order a race;
 * - `injectOnce(match, fault)`: one given fault on the next matching request.
 */
export type FaultKind = '500' | '503' | '429' | '409' | 'delay' | 'reset-before' | 'reset-after' | '500-after';
export const FAULT_KINDS: readonly FaultKind[] = ['500', '503', '429', '409', 'delay', 'reset-before', 'reset-after', '500-after'];

export interface FaultSchedule {
  seed: number;
  /** Chance that a request gets a fault. */
  rate: number;
  /** Longest injected delay, ms. */
  maxDelayMs?: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  fault?: FaultKind | 'cut';
}

interface Upstream {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** mulberry32: a small seeded PRNG, so a schedule replays exactly for a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isWrite = (method: string) => method !== 'GET' && method !== 'HEAD';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function status(res: ServerResponse, code: number, reason: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `injected by the test proxy: ${reason}`, reason, code });
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

/** A CA and a serving certificate for 127.0.0.1, made with openssl in a temporary folder. */
function testPki(): { ca: Buffer; cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'fault-proxy-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=fault-proxy-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
    openssl(['req', '-x509', '-CA', 'ca.crt', '-CAkey', 'ca.key', ...ec, '-keyout', 'proxy.key', '-out', 'proxy.crt', '-subj', '/CN=fault-proxy',
      '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'extendedKeyUsage=serverAuth', '-addext', 'subjectAltName=IP:127.0.0.1']);
    return { ca: readFileSync(join(dir, 'ca.crt')), cert: readFileSync(join(dir, 'proxy.crt')), key: readFileSync(join(dir, 'proxy.key')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class FaultProxy {
  url = '';
  readonly seen: SeenRequest[] = [];
  readonly injected: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  private random: (() => number) | undefined;
  private plan: FaultSchedule | undefined;
  private writes = 0;
  private cutAt: number | undefined;
  private down = false;
  private holds: { match: (r: SeenRequest) => boolean; held: () => void; release: Promise<void> }[] = [];
  private once: { match: (r: SeenRequest) => boolean; fault: FaultKind }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent: Agent;
  private readonly server: Server;
  private readonly pki = testPki();

  private constructor(
    private readonly kubeconfig: Record<string, any>,
    private readonly upstream: Upstream,
  ) {
    this.agent = new Agent({ keepAlive: true, ca: upstream.ca, cert: upstream.cert, key: upstream.key });
    this.server = createServer({ cert: this.pki.cert, key: this.pki.key }, (req, res) => void this.handle(req, res));
    this.server.on('secureConnection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts a proxy in front of the API server of `kubeconfigYaml` (the sandbox's), on a free loopback port. */
  static async start(kubeconfigYaml: string): Promise<FaultProxy> {
    const kc = parse(kubeconfigYaml);
    const context = kc.contexts.find((c: any) => c.name === kc['current-context']).context;
    const cluster = kc.clusters.find((c: any) => c.name === context.cluster).cluster;
    const user = kc.users.find((u: any) => u.name === context.user).user;
    const server = new URL(cluster.server);
    const b64 = (v: string) => Buffer.from(v, 'base64');
    const proxy = new FaultProxy(kc, {
      host: server.hostname,
      port: Number(server.port || 443),
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
    });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.url = `https://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** A kubeconfig (contents) for the proxy: its URL, its test CA; the credentials are the sandbox's. */
  kubeconfigYaml(): string {
    const kc = structuredClone(this.kubeconfig);
    for (const c of kc.clusters) c.cluster = { ...c.cluster, server: this.url, 'certificate-authority-data': this.pki.ca.toString('base64') };
    return stringify(kc);
  }

  /** Random faults from now on (undefined: none). */
  schedule(plan: FaultSchedule | undefined): void {
    this.plan = plan;
    this.random = plan ? prng(plan.seed) : undefined;
  }

  /** The n-th write from now is applied, then every request fails until `heal()`. */
  cutFromWrite(n: number): void {
    this.writes = 0;
    this.cutAt = n;
    this.down = false;
  }

  heal(): void {
    this.cutAt = undefined;
    this.down = false;
    this.schedule(undefined);
  }

  /** Holds the first request that matches until `release()`; `held` resolves when it arrives. */
  hold(match: (r: SeenRequest) => boolean): { held: Promise<SeenRequest>; release: () => void } {
    let release!: () => void;
    let held!: (r: SeenRequest) => void;
    const heldPromise = new Promise<SeenRequest>((r) => (held = r));
    const released = new Promise<void>((r) => (release = r));
    let arrived: SeenRequest | undefined;
    this.holds.push({ match: (r) => match(r) && ((arrived = r), true), held: () => held(arrived!), release: released });
    return { held: heldPromise, release };
  }

  /** The next request that matches gets `fault` (once). */
  injectOnce(match: (r: SeenRequest) => boolean, fault: FaultKind): void {
    this.once.push({ match, fault });
  }

  get faults(): number {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pick(method: string): FaultKind | undefined {
    if (!this.random || !this.plan || this.random() >= this.plan.rate) return undefined;
    const kinds = FAULT_KINDS.filter((k) => k !== '409' || method === 'PUT' || method === 'PATCH');
    return kinds[Math.floor(this.random() * kinds.length)];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    this.seen.push(seen);

    const hold = this.holds.find((h) => h.match(seen));
    if (hold) {
      this.holds = this.holds.filter((h) => h !== hold);
      hold.held();
      await hold.release;
    }
    if (this.down) {
      seen.fault = 'cut';
      return status(res, 503, 'ServiceUnavailable');
    }
    const cutHere = isWrite(seen.method) && this.cutAt !== undefined && ++this.writes === this.cutAt;
    const planned = this.once.find((o) => o.match(seen));
    if (planned) this.once = this.once.filter((o) => o !== planned);
    const fault = cutHere ? undefined : (planned?.fault ?? this.pick(seen.method));
    if (fault) {
      seen.fault = fault;
      this.injected[fault]++;
    }
    switch (fault) {
      case '500':
        return status(res, 500, 'InternalError');
      case '503':
        return status(res, 503, 'ServiceUnavailable');
      case '429':
        return status(res, 429, 'TooManyRequests', { 'retry-after': '1' });
      case '409':
        return status(res, 409, 'Conflict');
      case 'reset-before':
        req.socket.destroy();
        return;
      case 'delay':
        await sleep(200 + Math.floor(this.random!() * ((this.plan?.maxDelayMs ?? 2_000) - 200)));
        break;
    }
    let answer: { code: number; headers: Record<string, any>; body: Buffer };
    try {
      answer = await this.forward(req, body);
    } catch {
      req.socket.destroy();
      return;
    }
    if (cutHere) {
      this.down = true;
      seen.fault = 'cut';
      return status(res, 503, 'ServiceUnavailable');
    }
    if (fault === 'reset-after') return void req.socket.destroy();
    if (fault === '500-after') return status(res, 500, 'InternalError');
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(answer.code, { ...headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ code: number; headers: Record<string, any>; body: Buffer }> {
    const headers = { ...req.headers, host: `${this.upstream.host}:${this.upstream.port}`, 'content-length': String(body.length) };
    delete headers.connection;
    return new Promise((resolve, reject) => {
      const up = request(
        { host: this.upstream.host, port: this.upstream.port, method: req.method, path: req.url, headers, agent: this.agent, servername: undefined },
        (r) => {
          const parts: Buffer[] = [];
          r.on('data', (c) => parts.push(c));
          r.on('end', () => resolve({ code: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(parts) }));
          r.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }
}
