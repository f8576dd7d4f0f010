import { Agent, request } from 'node:http';

/** One request sent through the sandbox gateway: who answered it and when it was sent. */
export interface WireResponse {
  status: number;
  /** `x-model-version` of the pod that served it ('' when none did, e.g. a gateway 5xx). */
  version: string;
  /** `x-pod-name` (namespace/name) of the serving pod. */
  pod: string;
  /** When the request was sent and answered, ms on performance.now()'s clock. */
  sentAt: number;
  doneAt: number;
}

export interface LoadOptions {
  /** Stop after this many requests... */
  count: number;
  /** ...or when this time has passed (ms), whichever comes first. */
  maxMs: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Stop early once this returns true (checked after each response). */
  until?: (r: WireResponse, all: WireResponse[]) => boolean;
  path?: string;
  /** Pause of each connection between its requests (ms), to keep a background load light. */
  gapMs?: number;
  /** Extra request headers (a `match` condition, a cookie). */
  headers?: Record<string, string>;
}

/**
 * Sends bounded load to the gateway as real HTTP requests with `Host: hostname` (the HTTPRoute's
 * hostname). Only a loopback gateway URL is accepted: load never leaves the machine.
 */
export async function sendLoad(gatewayUrl: string, hostname: string, o: LoadOptions): Promise<WireResponse[]> {
  const url = new URL(gatewayUrl);
  if (url.hostname !== '127.0.0.1' || url.protocol !== 'http:') throw new Error(`sendLoad: ${gatewayUrl} is not a loopback http:// URL`);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency ?? 4 });
  const all: WireResponse[] = [];
  const deadline = performance.now() + o.maxMs;
  let sent = 0;
  let stop = false;
  const one = () =>
    new Promise<WireResponse>((resolve) => {
      const sentAt = performance.now();
      const req = request({ host: url.hostname, port: url.port, path: o.path ?? '/v1/chat/completions', method: 'POST', agent, headers: { ...o.headers, host: hostname, 'content-type': 'application/json' }, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, version: String(res.headers['x-model-version'] ?? ''), pod: String(res.headers['x-pod-name'] ?? ''), sentAt, doneAt: performance.now() }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: 0, version: '', pod: '', sentAt, doneAt: performance.now() }));
      req.end('{"messages":[{"role":"user","content":"hello"}]}');
    });
  const worker = async () => {
    while (!stop && sent < o.count && performance.now() < deadline) {
      sent++;
      const r = await one();
      all.push(r);
      if (o.until?.(r, all)) stop = true;
      if (o.gapMs) await new Promise((res) => setTimeout(res, o.gapMs));
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  } finally {
    agent.destroy();
  }
  return all;
}
