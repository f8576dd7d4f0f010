import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { header, readText, type HttpResponse } from '../../http/client.js';
import { parseJsonAnswer, refuseStatus, tokenUsage } from './answers.js';
import { EndpointError, type Completion } from './types.js';

interface Chunk {
  choices?: { delta?: { content?: unknown }; message?: { content?: unknown } }[];
  usage?: unknown;
  error?: { message?: unknown };
}

/**
 * Reads an OpenAI-compatible streamed chat answer (Server-Sent Events, `data: {...}` chunks, then
 * `data: [DONE]`): the text, the time to its first piece, and output tokens per second after it. Output
 * tokens are the final `usage` chunk's when the server sends one, else one per content chunk.
 * A stream that ends before `[DONE]`, or sends an error event, is an endpoint error, never a short answer.
 */
export async function readChatStream(url: string, r: HttpResponse): Promise<Completion> {
  await refuseStatus(url, r);
  const contentType = header(r.headers, 'content-type');
  if (!/text\/event-stream/i.test(contentType)) {
    // A server that ignores `stream: true` answers whole: accepted, but there is no first token to time.
    const json = parseJsonAnswer(url, contentType, await readText(r.body)) as Chunk;
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new EndpointError(`${url} answered JSON without choices[0].message.content (content-type ${contentType || 'none'}), not a stream`);
    return { output: content, latencyMs: performance.now() - r.sentAt, usage: tokenUsage(json) };
  }
  const parts: string[] = [];
  let firstAt: number | undefined;
  let contentChunks = 0;
  let usage: Completion['usage'];
  let done = false;
  let problem: string | undefined;
  const onEvent = (event: EventSourceMessage) => {
    if (done || problem) return;
    if (event.data === '[DONE]') {
      done = true;
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(event.data) as Chunk;
    } catch {
      problem = `${url} streamed an event that is not JSON: ${JSON.stringify(event.data.slice(0, 120))}`;
      return;
    }
    if (chunk.error) {
      problem = `${url} streamed an error: ${String(chunk.error.message ?? JSON.stringify(chunk.error))}`;
      return;
    }
    usage = tokenUsage(chunk) ?? usage;
    const content = chunk.choices?.[0]?.delta?.content;
    if (typeof content === 'string' && content !== '') {
      firstAt ??= performance.now();
      contentChunks++;
      parts.push(content);
    }
  };
  const parser = createParser({ onEvent });
  const decoder = new TextDecoder();
  for await (const bytes of r.body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (problem) break;
  }
  // Leaving the loop early closed the body already.
  if (problem) throw new EndpointError(problem);
  if (!done) throw new EndpointError(`${url} ended its stream before \`data: [DONE]\` (after ${contentChunks} content chunk(s)): the answer is incomplete`);
  const end = performance.now();
  const latencyMs = end - r.sentAt;
  const outputTokens = usage?.output ?? contentChunks;
  const ttftMs = firstAt === undefined ? undefined : firstAt - r.sentAt;
  let tokensPerSecond: number | undefined;
  if (firstAt !== undefined && outputTokens > 1 && end > firstAt) tokensPerSecond = ((outputTokens - 1) * 1000) / (end - firstAt);
  else if (outputTokens > 0 && latencyMs > 0) tokensPerSecond = (outputTokens * 1000) / latencyMs;
  return { output: parts.join(''), latencyMs, ttftMs, tokensPerSecond, usage: usage ?? { input: 0, output: contentChunks } };
}
