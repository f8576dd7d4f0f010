import { header, readText, snippet, type HttpResponse } from '../../http/client.js';
import { EndpointError, type TokenUsage } from './types.js';

/** A final answer that is not a success: 4xx (5xx and 429 were retried by the client already). */
export async function refuseStatus(url: string, r: HttpResponse): Promise<void> {
  if (r.status < 400) return;
  throw new EndpointError(`${url} answered HTTP ${r.status}: ${snippet(await readText(r.body, 4096))}`);
}

/** The answer as JSON, or an endpoint error saying what came instead (an HTML page, broken JSON). */
export async function readJsonAnswer(url: string, r: HttpResponse): Promise<unknown> {
  await refuseStatus(url, r);
  const text = await readText(r.body);
  return parseJsonAnswer(url, header(r.headers, 'content-type'), text);
}

export function parseJsonAnswer(url: string, contentType: string, text: string): unknown {
  if (/html/i.test(contentType) || /^\s*</.test(text)) throw new EndpointError(`${url} answered HTML, not JSON (content-type ${contentType || 'none'}): ${snippet(text)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new EndpointError(`${url} answered with invalid JSON: ${snippet(text)}`);
  }
}

/** OpenAI's `usage` block, when the answer has one. */
export function tokenUsage(json: unknown): TokenUsage | undefined {
  const u = (json as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  if (!u || typeof u.prompt_tokens !== 'number' || typeof u.completion_tokens !== 'number') return undefined;
  return { input: u.prompt_tokens, output: u.completion_tokens };
}
