import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { formatDuration } from '../parse/duration.js';
import { cutToBytes } from '../action/text-limit.js';

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

/** Sends one request; rejects with a one-line reason when there is no answer in time or no connection. */
export function sendHttp(req: HttpRequest): Promise<HttpAnswer> {
  const url = new URL(req.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...req.headers, ...(req.options?.headers as Record<string, string> | undefined) };
  if (req.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(req.body));
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const done = (error: Error | undefined, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer!);
    };
    const timer = setTimeout(() => {
      done(new Error(`did not answer within ${formatDuration(req.timeoutMs)}`));
      outgoing.destroy();
    }, req.timeoutMs);
    const outgoing = send(url, { ...req.options, method: req.method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      incoming.on('data', (chunk: Buffer) => {
        if (kept < BODY_LIMIT) chunks.push(chunk);
        kept += chunk.length;
      });
      incoming.on('end', () => done(undefined, { status: incoming.statusCode ?? 0, body: cutToBytes(Buffer.concat(chunks).toString('utf8'), BODY_LIMIT, { mark: '' }) }));
      incoming.on('error', (error) => done(error));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      done(error.code ? new Error(`could not connect (${error.code}): ${error.message}`) : error);
    });
    outgoing.end(req.body);
  });
}
