import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { HookFailure, hooksSummary, parseHooks, requirePassed, runHooks, startDuringHooks, type HookContext, type HookStage } from '../../shared/hooks/index.js';
import { captureStdoutAsync } from './capture.js';
import { ModelServer } from './model-server.js';

const server = new ModelServer();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.received.length = 0;
});

const context: HookContext = { namespace: 'models', values: { image: 'registry.local/sentiment:abc123', 'model-version': 'v7' }, env: {} };

/** Parses one stage's hooks (YAML list items, with `{{server}}` for the test server) and runs them. */
async function run(stage: HookStage, items: string, env: Record<string, string> = {}) {
  const yaml = `${stage}:\n${items.replaceAll('{{server}}', server.url)}`;
  const plan = parseHooks(yaml, { allowedStages: [stage], env });
  const { value: report, text: log } = await captureStdoutAsync(() => runHooks(stage, plan, { ...context, env }));
  return { report, log };
}

describe('http hooks against a local model server', () => {
  it('a healthy endpoint passes, with what it answered and how long it took', async () => {
    const { report } = await run('pre-traffic', '  - {name: smoke, kind: http, url: "{{server}}/healthz", expect: {body: "\\"ready\\""}}\n');
    expect(report.ok).toBe(true);
    expect(report.results).toEqual([
      { stage: 'pre-traffic', name: 'smoke', kind: 'http', ok: true, outcome: 'passed', detail: `GET ${server.url}/healthz answered 200`, durationMs: expect.any(Number) },
    ]);
    expect(server.requestsTo('/healthz')).toHaveLength(1);
  });

  it('a slow endpoint that answers within the timeout passes', async () => {
    const { report } = await run('pre-traffic', '  - {name: slow, kind: http, url: "{{server}}/slow", timeout: 5s, retries: 0}\n');
    expect(report.ok).toBe(true);
    expect(report.results[0].durationMs).toBeGreaterThanOrEqual(250);
  });

  it('a 500 fails after its retries, naming the hook, the status and the body it answered', async () => {
    const { report } = await run('pre-traffic', '  - {name: smoke, kind: http, url: "{{server}}/broken", retries: 2, backoff: 10ms}\n');
    expect(report.ok).toBe(false);
    expect(server.requestsTo('/broken')).toHaveLength(3);
    expect(report.failure).toBe(
      `pre-traffic hook \`smoke\` (http) failed: GET ${server.url}/broken answered 500, expected 2xx: {"error":"model not loaded: weights missing"} (3 attempts)`,
    );
    expect(() => requirePassed(report)).toThrow(HookFailure);
    expect(() => requirePassed(report)).toThrow(report.failure);
  });

  it('an answer without the expected body text fails and shows the body', async () => {
    const { report } = await run('pre-traffic', '  - {name: loaded, kind: http, url: "{{server}}/loading", retries: 0, expect: {body: "\\"ready\\""}}\n');
    expect(report.results[0]).toMatchObject({ ok: false, outcome: 'failed' });
    expect(report.results[0].detail).toBe(`GET ${server.url}/loading answered 200 without "\\"ready\\"" in its body: {"status":"loading"}`);
  });

  it('an answer that does not match the body pattern fails; one that does passes', async () => {
    const bad = await run('pre-traffic', '  - {name: v, kind: http, url: "{{server}}/healthz", retries: 0, expect: {body-matches: "\\"version\\":\\"v8\\""}}\n');
    expect(bad.report.results[0].detail).toContain('with a body that does not match /"version":"v8"/');
    const good = await run('pre-traffic', '  - {name: v, kind: http, url: "{{server}}/healthz", retries: 0, expect: {body-matches: "\\"version\\":\\"v\\\\d+\\""}}\n');
    expect(good.report.ok).toBe(true);
  });

  it('an expected non-2xx status passes, and a 2xx is then a failure', async () => {
    expect((await run('pre-traffic', '  - {name: s, kind: http, url: "{{server}}/broken", expect: {status: 500}}\n')).report.ok).toBe(true);
    const { report } = await run('pre-traffic', '  - {name: s, kind: http, url: "{{server}}/healthz", retries: 0, expect: {status: [404, 5xx]}}\n');
    expect(report.results[0].detail).toContain('answered 200, expected 404 or 5xx');
  });

  it('a hanging endpoint times out on every attempt, before and after sending its headers', async () => {
    const { report } = await run(
      'pre-traffic',
      '  - {name: hangs, kind: http, url: "{{server}}/hang", timeout: 200ms, retries: 1, backoff: 10ms}\n  - {name: body-hangs, kind: http, url: "{{server}}/hang-body", timeout: 200ms, retries: 0}\n',
    );
    expect(report.results[0].detail).toBe(`GET ${server.url}/hang did not answer within 200ms (2 attempts)`);
    expect(server.requestsTo('/hang')).toHaveLength(2);
    expect(report.results[1]).toMatchObject({ outcome: 'skipped', detail: 'not run: hook `hangs` failed before it' });
    const post = await run('post-promote', '  - {name: body-hangs, kind: http, url: "{{server}}/hang-body", timeout: 200ms, retries: 0}\n');
    expect(post.report.results[0].detail).toBe(`GET ${server.url}/hang-body did not finish its answer within 200ms`);
  });

  it('a flaky endpoint that becomes healthy passes on a retry, saying which attempt', async () => {
    server.flakyFailures = 2;
    const { report, log } = await run('pre-traffic', '  - {name: warm, kind: http, url: "{{server}}/flaky", retries: 3, backoff: 20ms}\n');
    expect(report.ok).toBe(true);
    expect(report.results[0].detail).toBe(`GET ${server.url}/flaky answered 200 (attempt 3 of 4)`);
    expect(server.requestsTo('/flaky')).toHaveLength(3);
    expect(log).toContain('attempt 1 of 4: answered 503, expected 2xx: {"error":"warming up"}; trying again in 20ms');
  });

  it('a refused connection fails with the reason', async () => {
    const { report } = await run('pre-traffic', '  - {name: down, kind: http, url: "http://127.0.0.1:9/x", retries: 0}\n');
    expect(report.results[0].detail).toMatch(/^GET http:\/\/127\.0\.0\.1:9\/x could not be reached: connect ECONNREFUSED/);
  });

  it('sends the method, headers and JSON body with template values and env secrets filled in', async () => {
    const secret = 'sk-live-5a4b3c2d1e';
    const { report, log } = await run(
      'pre-traffic',
      `  - name: predict
    kind: http
    url: "{{server}}/healthz?model={{model-version}}"
    method: POST
    headers: {Authorization: "Bearer {{env.PREDICT_TOKEN}}", X-Image: "{{image}}"}
    body: {model: "{{model-version}}", note: "{{env.PREDICT_TOKEN}}", inputs: [[1, 2]]}
`,
      { PREDICT_TOKEN: secret },
    );
    expect(report.ok).toBe(true);
    const [sent] = server.requestsTo('/healthz');
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/healthz?model=v7');
    expect(sent.headers.authorization).toBe(`Bearer ${secret}`);
    expect(sent.headers['x-image']).toBe('registry.local/sentiment:abc123');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({ model: 'v7', note: secret, inputs: [[1, 2]] });
    expect(log.split('\n').filter((l) => l.includes(secret))).toEqual([]);
  });

  it('never reports an answer that echoes a secret', async () => {
    const secret = 'sk-echo-0f1e2d3c4b';
    const { report, log } = await run('pre-traffic', '  - {name: auth, kind: http, url: "{{server}}/echo-auth", retries: 1, backoff: 10ms, headers: {Authorization: "{{env.ECHO_TOKEN}}"}}\n', {
      ECHO_TOKEN: secret,
    });
    expect(report.results[0].detail).toBe('the answer is withheld: it contains a secret');
    expect(report.failure).not.toContain(secret);
    expect(hooksSummary([report])).not.toContain(secret);
    expect(server.requestsTo('/echo-auth')).toHaveLength(2);
    expect(log).toContain('attempt 1 of 2: the answer is withheld: it contains a secret');
    expect(log).not.toContain(secret);
  });

  it('a template value the stage does not provide fails the hook without sending anything', async () => {
    const plan = parseHooks(`post-rollback:\n  - {name: notify, kind: http, url: "${server.url}/healthz?image={{image}}"}\n`, { allowedStages: ['post-rollback'] });
    const { value: report } = await captureStdoutAsync(() => runHooks('post-rollback', plan, { namespace: 'models' }));
    expect(report.results[0].detail).toBe(`GET ${server.url}/healthz?image={{image}} was not sent: template value \`{{image}}\` is not available in this stage`);
    expect(server.received).toHaveLength(0);
  });
});

describe('stages', () => {
  it('a gate stops at its first failing hook; the later hooks are skipped and never sent', async () => {
    const { report } = await run(
      'pre-promote',
      '  - {name: smoke, kind: http, url: "{{server}}/broken", retries: 0}\n  - {name: after, kind: http, url: "{{server}}/healthz"}\n',
    );
    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([
      ['smoke', 'failed'],
      ['after', 'skipped'],
    ]);
    expect(server.requestsTo('/healthz')).toHaveLength(0);
    expect(report.failure).toMatch(/^pre-promote hook `smoke` \(http\) failed: GET .*\/broken answered 500/);
  });

  it('a post stage runs every hook even after one fails, and reports the first failure', async () => {
    const { report } = await run(
      'post-rollback',
      '  - {name: a, kind: http, url: "{{server}}/broken", retries: 0}\n  - {name: b, kind: http, url: "{{server}}/healthz"}\n',
    );
    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([
      ['a', 'failed'],
      ['b', 'passed'],
    ]);
    expect(report.ok).toBe(false);
    expect(report.failure).toContain('post-rollback hook `a` (http) failed');
  });

  it('a stage with no hooks passes with nothing to report and prints nothing', async () => {
    const { value: report, text } = await captureStdoutAsync(() => runHooks('pre-traffic', {}, context));
    expect(report).toEqual({ stage: 'pre-traffic', ok: true, results: [], failure: undefined });
    expect(text).toBe('');
    expect(hooksSummary([report])).toBe('');
  });

  it('during http hooks are sent once at the start and reported when stopped', async () => {
    const plan = parseHooks(`during:\n  - {name: start-load, kind: http, url: "${server.url}/healthz", method: POST}\n`, { allowedStages: ['during'] });
    const { value: during } = await captureStdoutAsync(() => startDuringHooks(plan, context));
    expect(server.requestsTo('/healthz')).toHaveLength(1);
    const report = await during.stop();
    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([['start-load', 'passed']]);
    expect(await during.stop()).toBe(report);
    expect(server.requestsTo('/healthz')).toHaveLength(1);
  });
});

describe('hooksSummary', () => {
  it('lists every hook of every stage with its result, duration and answer, escaped for Markdown', async () => {
    const pre = (await run('pre-promote', '  - {name: smoke, kind: http, url: "{{server}}/healthz"}\n')).report;
    const post = (await run('post-promote', '  - {name: notify, kind: http, url: "{{server}}/broken?a|b", retries: 0}\n')).report;
    const lines = hooksSummary([pre, post]).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '### Hooks',
      '',
      '| Stage | Hook | Kind | Result | Duration | What it answered |',
      '| --- | --- | --- | --- | --- | --- |',
    ]);
    expect(lines[4]).toMatch(new RegExp(`^\\| pre-promote \\| \`smoke\` \\| http \\| ✅ passed \\| \\d+ms \\| GET ${server.url}/healthz answered 200 \\|$`));
    expect(lines[5]).toContain('| post-promote | `notify` | http | ❌ failed |');
    expect(lines[5]).toContain('/broken?a\\|b answered 500');
  });
});
