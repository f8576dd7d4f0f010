import pRetry from 'p-retry';
import * as core from '@actions/core';
import { formatDuration } from '../parse/duration.js';
import { errorMessage } from '../errors.js';
import { withoutSecrets } from './redact.js';
import { sendHttp, type HttpAnswer, type HttpRequest } from './http-request.js';
import { displayForm, jsonEscape, MissingValueError, render } from './placeholders.js';
import { apiServerAccess, apiServerStatusMessage, serviceProxyUrl } from './service-proxy.js';
import type { HookContext, HttpHook, StatusExpectation, TemplateValues } from './types.js';
import { cutToLength } from '../text-limit.js';

export interface Outcome {
  ok: boolean;
  detail: string;
}

/** The request as shown in logs and summaries: template values filled in, `{{env.NAME}}` never. */
export function describeRequest(hook: HttpHook, values: TemplateValues, namespace: string): string {
  const t = hook.target;
  const where = t.via === 'url' ? displayForm(t.url, values) : `service ${namespace}/${t.service}:${t.port}${displayForm(t.path, values)} (through the API server)`;
  return `${hook.method} ${where}`;
}

/** Sends the hook's request, retrying with a doubling wait (p-retry) until it answers as expected or attempts run out. */
export async function runHttpHook(hook: HttpHook, context: HookContext): Promise<Outcome> {
  const values: TemplateValues = { ...context.values, namespace: context.namespace };
  const shown = describeRequest(hook, values, context.namespace);
  let request: HttpRequest;
  try {
    request = await buildRequest(hook, context, values);
  } catch (error) {
    if (!(error instanceof MissingValueError)) throw error;
    return { ok: false, detail: `${shown} was not sent: ${errorMessage(error)}` };
  }
  const attempts = hook.retries + 1;
  const attempt = async (n: number): Promise<Outcome> => {
    let answer: HttpAnswer;
    try {
      answer = await sendHttp(request);
    } catch (error) {
      throw new AttemptFailed(errorMessage(error));
    }
    const problem = judge(answer, hook, hook.target.via === 'service');
    if (problem !== undefined) throw new AttemptFailed(problem);
    return { ok: true, detail: `${shown} answered ${answer.status}${n > 1 ? ` (attempt ${n} of ${attempts})` : ''}` };
  };
  try {
    return await pRetry(attempt, {
      retries: hook.retries,
      minTimeout: hook.backoffMs,
      factor: 2,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft, retryDelay }) => {
        if (retriesLeft > 0) core.info(`  attempt ${attemptNumber} of ${attempts}: ${withoutSecrets(error.message)}; trying again in ${formatDuration(retryDelay)}`);
      },
    });
  } catch (error) {
    if (!(error instanceof AttemptFailed)) throw error;
    return { ok: false, detail: `${shown} ${error.message}${attempts > 1 ? ` (${attempts} attempts)` : ''}` };
  }
}

/** An attempt that did not get the expected answer; its message is why, for the log and the outcome. */
class AttemptFailed extends Error {}

async function buildRequest(hook: HttpHook, context: HookContext, values: TemplateValues): Promise<HttpRequest> {
  const env = context.env ?? process.env;
  const headers = Object.fromEntries(Object.entries(hook.headers).map(([k, v]) => [k, render(v, values, env)]));
  const body = hook.body && render(hook.body.text, values, env, hook.body.json ? jsonEscape : undefined);
  const base = { method: hook.method, headers, body, timeoutMs: hook.timeoutMs };
  const t = hook.target;
  if (t.via === 'url') return { ...base, url: render(t.url, values, env) };
  if (!context.clients) throw new Error(`Hook \`${hook.name}\` reaches a Service, and needs Kubernetes clients in its context.`);
  const { server, options } = await apiServerAccess(context.clients.kubeConfig);
  return { ...base, url: serviceProxyUrl(server, context.namespace, t, render(t.path, values, env)), options };
}

/** Why an answer is not the expected one, or undefined when it is. */
export function judge(answer: HttpAnswer, hook: HttpHook, viaApiServer: boolean): string | undefined {
  const { status, bodyContains, bodyMatches } = hook.expect;
  const excerpt = oneLine(answer.body);
  if (!statusMatches(answer.status, status)) {
    const fromApiServer = viaApiServer ? apiServerStatusMessage(answer.body) : undefined;
    if (fromApiServer) return `failed: the API server answered ${answer.status}: ${fromApiServer}`;
    return `answered ${answer.status}, expected ${describeStatus(status)}${excerpt ? `: ${excerpt}` : ''}`;
  }
  if (bodyContains !== undefined && !answer.body.includes(bodyContains)) {
    return `answered ${answer.status} without ${JSON.stringify(bodyContains)} in its body: ${excerpt || '(empty)'}`;
  }
  if (bodyMatches && !bodyMatches.test(answer.body)) {
    return `answered ${answer.status} with a body that does not match /${bodyMatches.source}/: ${excerpt || '(empty)'}`;
  }
  return undefined;
}

export function statusMatches(status: number, expected: StatusExpectation): boolean {
  return expected.codes.includes(status) || expected.classes.includes(Math.floor(status / 100));
}

export function describeStatus(expected: StatusExpectation): string {
  return [...expected.codes.map(String), ...expected.classes.map((c) => `${c}xx`)].join(' or ');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return cutToLength(line, 200, { mark: '...' });
}
