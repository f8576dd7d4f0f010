import { JSONPath } from 'jsonpath-plus';
import { JsonPoster } from './http.js';
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

function openAiChat(spec: EndpointSpec, poster: JsonPoster): EndpointClient['complete'] {
  const url = chatCompletionsUrl(spec.url);
  const system = spec.system ? [{ role: 'system', content: spec.system }] : [];
  const body = chatBody({ ...spec.params, model: spec.model, messages: [...system, { role: 'user', content: CONTENT }] });
  return async ({ input }) => {
    const started = performance.now();
    const json = (await poster.post(body(input))) as { choices?: { message?: { content?: unknown } }[] };
    const latencyMs = performance.now() - started;
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw new EndpointError(`${url} answered JSON without choices[0].message.content`);
    return { output: content, latencyMs };
  };
}

/** A generic JSON endpoint: a request template in, the answer at a JSONPath out. */
function httpJson(spec: EndpointSpec, poster: JsonPoster): EndpointClient['complete'] {
  const template = spec.request ?? { input: '{{input}}' };
  const path = spec.responsePath ?? '$.output';
  return async ({ input, vars }: Prompt) => {
    const body = JSON.stringify(renderTemplate(template, { input, vars }));
    const started = performance.now();
    const json = await poster.post(body);
    const latencyMs = performance.now() - started;
    const found = JSONPath({ path, json: json as object, wrap: true }) as unknown[];
    if (found.length === 0) throw new EndpointError(`${spec.url} answered JSON with nothing at ${path}`);
    const v = found[0];
    return { output: typeof v === 'string' ? v : JSON.stringify(v), latencyMs };
  };
}

/** The client for an endpoint, with a keep-alive pool as wide as the evaluation's concurrency. */
export function createEndpointClient(spec: EndpointSpec, concurrency: number): EndpointClient {
  const url = spec.kind === 'openai-chat' ? chatCompletionsUrl(spec.url) : spec.url;
  const poster = new JsonPoster(url, spec.headers, concurrency, spec.timeoutMs, spec.retries);
  const complete = spec.kind === 'openai-chat' ? openAiChat(spec, poster) : httpJson(spec, poster);
  return { complete, close: () => poster.close() };
}
