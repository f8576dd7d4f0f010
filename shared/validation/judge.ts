import { ConfigurationError } from '../errors.js';
import { maskSecret } from '../action/secrets.js';
import { HttpClient, HttpFailure } from '../http/client.js';
import { readJsonAnswer } from './endpoint/answers.js';
import { chatCompletionsUrl } from './endpoint/clients.js';
import { EndpointError } from './endpoint/types.js';

/** The judge of `judge` assertions: an OpenAI-compatible chat endpoint and the model to ask. */
export interface JudgeSpec {
  url: string;
  model?: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
}

export interface Verdict {
  pass: boolean;
  reason: string;
}

/** Grades one answer against a rubric; an answer it cannot read is an EndpointError, never a pass. */
export interface Judge {
  grade(item: { rubric: string; input: string; output: string }): Promise<Verdict>;
  close(): Promise<void>;
}

const INSTRUCTIONS = [
  'You grade an AI assistant\'s answer against a rubric.',
  'Reply with one JSON object and nothing else: {"pass": true or false, "reason": "one short sentence"}.',
  '"pass" is true only when the answer meets every point of the rubric.',
].join(' ');

/** The judge from the `judge-*` inputs over the suite's `judge:` block, checked before any request. */
export function resolveJudge(suite: { url?: unknown; model?: unknown } | undefined, overrides: { url?: string; apiKey?: string; model?: string; timeoutMs: number; retries: number }, where: string): JudgeSpec | undefined {
  const url = overrides.url ?? (typeof suite?.url === 'string' ? suite.url : undefined);
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`Invalid \`judge-endpoint\` (or \`judge.url\` in ${where}): '${url}'. Expected an http(s) URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigurationError(`Invalid \`judge-endpoint\` (or \`judge.url\` in ${where}): '${url}'. Expected an http(s) URL.`);
  maskSecret(decodeURIComponent(parsed.password));
  if (overrides.apiKey && /[\r\n\0]/.test(overrides.apiKey)) throw new ConfigurationError('The `judge-api-key` input has a line break or NUL in it (a secret saved with a trailing newline?): it cannot be sent as a header.');
  const model = overrides.model ?? (typeof suite?.model === 'string' ? suite.model : undefined);
  return { url: parsed.href, model, apiKey: overrides.apiKey, timeoutMs: overrides.timeoutMs, retries: overrides.retries };
}

export function createJudge(spec: JudgeSpec, concurrency: number): Judge {
  const url = chatCompletionsUrl(spec.url);
  const http = new HttpClient({ connections: concurrency, timeoutMs: spec.timeoutMs, retries: spec.retries });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (spec.apiKey) headers.authorization = `Bearer ${spec.apiKey}`;
  return {
    async grade({ rubric, input, output }) {
      const body = JSON.stringify({
        model: spec.model,
        temperature: 0,
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          { role: 'user', content: `Rubric:\n${rubric}\n\nQuestion:\n${input}\n\nAnswer to grade:\n${output}` },
        ],
      });
      let json: unknown;
      try {
        json = await http.exchange({ url, method: 'POST', headers, body }, (r) => readJsonAnswer(url, r));
      } catch (error) {
        if (error instanceof HttpFailure) throw new EndpointError(`the judge ${error.message}`);
        if (error instanceof EndpointError) throw new EndpointError(`the judge ${error.message}`);
        throw error;
      }
      const content = (json as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new EndpointError(`the judge ${url} answered JSON without choices[0].message.content`);
      return parseVerdict(content, url);
    },
    close: () => http.close(),
  };
}

/** The judge's reply as {pass, reason}: a JSON object, alone or inside text or a code fence. */
export function parseVerdict(content: string, url: string): Verdict {
  const object = /\{[\s\S]*\}/.exec(content)?.[0];
  let parsed: { pass?: unknown; reason?: unknown } | undefined;
  try {
    parsed = object ? (JSON.parse(object) as typeof parsed) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed.pass !== 'boolean') {
    const shown = content.replace(/\s+/g, ' ').trim().slice(0, 120);
    throw new EndpointError(`the judge ${url} did not answer {"pass": true|false, "reason": ...}: ${JSON.stringify(shown)}`);
  }
  return { pass: parsed.pass, reason: typeof parsed.reason === 'string' && parsed.reason ? parsed.reason : parsed.pass ? 'meets the rubric' : 'does not meet the rubric' };
}
