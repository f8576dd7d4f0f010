import type { RequestOptions } from 'node:https';
import { HttpClient, HttpFailure } from '../http/client.js';
import { cutToBytes } from '../text-limit.js';

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange, body included: a server that sends headers and then hangs still times out. */
  timeoutMs: number;
  /** TLS and auth options (from a kubeconfig, for the API server); their headers win over `headers`. */
  options?: RequestOptions & { headers?: Record<string, string> };
}

export interface HttpAnswer {
  status: number;
  /** The first 64 KiB of the body; the rest is read and dropped. */
  body: string;
}

/** What is kept of an answer's body (for `expect.body` and the log), in bytes. */
const BODY_LIMIT = 64 * 1024;

/**
 * Sends one request through the project's HTTP client (proxy settings, redirects), with no retries of its
 * own: the hook retries until the answer is the one it expects. Every status is an answer; no answer in
 * time or no connection rejects with a one-line reason.
 */
export async function sendHttp(req: HttpRequest): Promise<HttpAnswer> {
  const o = req.options ?? {};
  const tls = { ca: o.ca as string | Buffer | undefined, cert: o.cert as string | Buffer | undefined, key: o.key as string | Buffer | undefined };
  const http = new HttpClient({ timeoutMs: req.timeoutMs, retries: 0, everyStatus: true, tls });
  const headers: Record<string, string> = { ...req.headers, ...(o.headers as Record<string, string> | undefined) };
  try {
    const r = await http.text({ url: req.url, method: req.method as 'GET', headers, body: req.body }, BODY_LIMIT);
    return { status: r.status, body: cutToBytes(r.text, BODY_LIMIT, { mark: '' }) };
  } catch (error) {
    // The reason without the URL: the hook's log line names the request already, without its secrets.
    if (error instanceof HttpFailure) throw new Error(error.message.split(`${req.url} `).join('').split(req.url).join('the URL'));
    throw error;
  } finally {
    await http.close();
  }
}
