import { JSONPath } from 'jsonpath-plus';
import { HttpClient, HttpFailure, type HttpResponse } from '../../http/client.js';
import { readJsonAnswer, tokenUsage } from './answers.js';
import { readChatStream } from './stream.js';
import { renderTemplate } from './template.js';
import { EndpointError, type EndpointClient, type Prompt } from './types.js';
import type { EndpointSpec } from '../suite.js';

const CONTENT = '\u0000user content\u0000';

/**
 * The request body as a function of the user's message: the JSON text around the message is serialised
 * once, so each request only serialises its prompt (the same bytes as stringifying the whole request).
 */
function chatBody(request: object): (input: string) => string {
  const text = JSON.stringify(request);
  const marker = JSON.stringify(CONTENT);
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) {
    return (input) => JSON.stringify(request, (_k, v: unknown) => (v === CONTENT ? input : v));
  }
  const [before, after] = [text.slice(0, at), text.slice(at + marker.length)];
  return (input) => before + JSON.stringify(input) + after;
}

/** An OpenAI-compatible chat endpoint: the answer is `choices[0].message.content`. */
export function chatCompletionsUrl(url: string): string {
  return /\/chat\/completions\/?$/.test(url) ? url : `${url.replace(/\/$/, '')}/chat/completions`;
}

/** One JSON POST to the endpoint, its answer parsed; any failure of the exchange is an endpoint error. */
type Post = <T>(body: string, read: (r: HttpResponse) => Promise<T>) => Promise<T>;

function poster(http: HttpClient, url: string, headers: Record<string, string>): Post {
  const all = withDefaults(headers);
  return async (body, read) => {
    try {
      return await http.exchange({ url, method: 'POST', headers: all, body }, read);
    } catch (error) {
      if (error instanceof HttpFailure) throw new EndpointError(error.message);
      throw error;
    }
  };
}

/** JSON in and out, unless the suite's headers say otherwise (whatever their case). */
function withDefaults(headers: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  for (const [name, value] of Object.entries(headers)) {
    for (const k of Object.keys(all)) if (k.toLowerCase() === name.toLowerCase()) delete all[k];
    all[name] = value;
  }
  return all;
}

function openAiChat(spec: EndpointSpec, post: Post): EndpointClient['complete'] {
  const url = chatCompletionsUrl(spec.url);
  const system = spec.system ? [{ role: 'system', content: spec.system }] : [];
  const stream = spec.stream ? { stream: true, stream_options: { include_usage: true } } : {};
  const body = chatBody({ ...spec.params, ...stream, model: spec.model, messages: [...system, { role: 'user', content: CONTENT }] });
  if (spec.stream) return ({ input }) => post(body(input), (r) => readChatStream(url, r));
  return ({ input }) =>
    post(body(input), async (r) => {
      const json = (await readJsonAnswer(url, r)) as { choices?: { message?: { content?: unknown } }[] };
      const latencyMs = performance.now() - r.sentAt;
      const content = json?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new EndpointError(`${url} answered JSON without choices[0].message.content`);
      return { output: content, latencyMs, usage: tokenUsage(json) };
    });
}

/** A generic JSON endpoint: a request template in, the answer at a JSONPath out. */
function httpJson(spec: EndpointSpec, post: Post): EndpointClient['complete'] {
  const template = spec.request ?? { input: '{{input}}' };
  const path = spec.responsePath ?? '$.output';
  return ({ input, vars }: Prompt) =>
    post(JSON.stringify(renderTemplate(template, { input, vars })), async (r) => {
      const json = await readJsonAnswer(spec.url, r);
      const latencyMs = performance.now() - r.sentAt;
      const found = JSONPath({ path, json: json as object, wrap: true }) as unknown[];
      if (found.length === 0) throw new EndpointError(`${spec.url} answered JSON with nothing at ${path}`);
      const v = found[0];
      return { output: typeof v === 'string' ? v : JSON.stringify(v), latencyMs, usage: tokenUsage(json) };
    });
}

/** The client for an endpoint, with a keep-alive pool as wide as the evaluation's concurrency. */
export function createEndpointClient(spec: EndpointSpec, concurrency: number): EndpointClient {
  const url = spec.kind === 'openai-chat' ? chatCompletionsUrl(spec.url) : spec.url;
  const http = new HttpClient({ connections: concurrency, timeoutMs: spec.timeoutMs, retries: spec.retries });
  const post = poster(http, url, spec.headers);
  const complete = spec.kind === 'openai-chat' ? openAiChat(spec, post) : httpJson(spec, post);
  return { complete, close: () => http.close() };
}
