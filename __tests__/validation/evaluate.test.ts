import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ModelServer } from '../support/model-server.js';
import { prepareValidation, runValidation, type ValidationPlan } from '../../shared/validation/validate.js';
import { EndpointError } from '../../shared/validation/endpoint/types.js';
import { folderWith, jsonl } from './fixtures.js';

const server = new ModelServer({
  answers: {
    'Capital of France?': 'The capital of France is Paris.',
    'Give JSON': '{"answer": 42, "unit": "m"}',
    'Describe rain': 'Rain is water falling from clouds in the sky.',
  },
  noisyRates: { 'Capital of France?': 0.6 },
});
beforeAll(() => server.start());
afterAll(() => server.stop());

function plan(suiteFile: string, overrides: Partial<ValidationPlan> = {}): ValidationPlan {
  return { suiteFile, endpoint: { url: server.chatUrl('deterministic'), timeoutMs: 2000, retries: 2 }, concurrency: 4, confidence: 0.95, method: 'wilson', ...overrides };
}

async function validate(cases: unknown[], overrides: Partial<ValidationPlan> = {}, extra: Record<string, string> = {}) {
  const f = folderWith({ 's.jsonl': jsonl(cases), ...extra });
  const prepared = await prepareValidation(plan(f.path('s.jsonl'), overrides));
  return runValidation(prepared, { name: 'm', version: '1.0.0' });
}

describe('assertions against the deterministic model', () => {
  it('passes and fails each kind as its rule says, with a reason for each failure', async () => {
    const report = await validate(
      [
        { id: 'equals', input: 'Capital of France?', assert: [{ equals: 'The capital of France is Paris.' }] },
        { id: 'contains', input: 'Capital of France?', assert: [{ contains: 'Paris' }, { icontains: 'PARIS' }, { 'contains-any': ['Rome', 'Paris'] }, { 'contains-all': ['capital', 'Paris'] }, { 'not-contains': 'London' }, { 'starts-with': 'The capital' }] },
        { id: 'regex', input: 'Capital of France?', assert: [{ regex: 'paris\\.$', flags: 'i' }] },
        { id: 'json', input: 'Give JSON', assert: [{ 'is-json': true, schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'number' } } } }, { 'json-path': '$.answer', equals: 42 }] },
        { id: 'lev', input: 'Capital of France?', assert: [{ levenshtein: 'The capital of France is Paris!', threshold: 2 }] },
        { id: 'topics', input: 'Describe rain', assert: [{ topics: ['water', ['cloud', 'clouds'], 'snow'], threshold: 0.6 }] },
        { id: 'not-refusal', input: 'Describe rain', assert: [{ refusal: false }] },
        { id: 'consistent', input: 'Describe rain', repeats: 3, assert: [{ consistent: true }] },
        { id: 'latency', input: 'Describe rain', assert: [{ 'latency-ms': 5000 }] },
        { id: 'custom', input: 'Describe rain', assert: [{ custom: './check.mjs', threshold: 0.5 }] },
        { id: 'fail-contains', input: 'Capital of France?', assert: [{ contains: 'Berlin' }] },
        { id: 'fail-json', input: 'Describe rain', assert: [{ 'is-json': true }] },
        { id: 'fail-path', input: 'Give JSON', assert: [{ 'json-path': '$.answer', equals: 41 }] },
        { id: 'fail-refusal', input: 'Describe rain', assert: [{ refusal: true }] },
        { id: 'fail-custom', input: 'Capital of France?', assert: [{ custom: './check.mjs' }] },
      ],
      { threshold: 0.5 },
      { 'check.mjs': 'export default (output) => (output.includes("Rain") ? 0.9 : { pass: false, reason: "no rain" });\n' },
    );
    const byId = Object.fromEntries(report.cases.map((c) => [c.id, c]));
    for (const id of ['equals', 'contains', 'regex', 'json', 'lev', 'topics', 'not-refusal', 'consistent', 'latency', 'custom']) expect([id, byId[id].passed]).toEqual([id, true]);
    expect(byId['fail-contains'].reason).toBe('contains: does not contain "Berlin": "The capital of France is Paris."');
    expect(byId['fail-json'].reason).toMatch(/^is-json: not JSON/);
    expect(byId['fail-path'].reason).toBe('json-path: $.answer is "42", expected "41"');
    expect(byId['fail-refusal'].reason).toMatch(/^refusal: did not decline/);
    expect(byId['fail-custom'].reason).toBe('custom: no rain');
    expect(report.tally).toMatchObject({ cases: 15, passedCases: 10, errors: 0 });
    expect(report.tally.assertions.contains).toEqual({ checks: 2, passed: 1 });
    expect(report.cases.map((c) => c.line)).toEqual([...Array(15).keys()].map((i) => i + 1));
  });

  it('evaluates a suite read in several chunks, with cases whose assertions compile asynchronously among them', async () => {
    // About 380 KB of JSONL: more than one 256 KiB read, so cases come in more than one batch.
    const cases = Array.from({ length: 2500 }, (_, i) =>
      i % 500 === 7
        ? { id: `json${i}`, input: 'Give JSON', assert: [{ 'is-json': true, schema: { type: 'object', required: ['answer'] } }] }
        : { id: `c${i}`, input: `${'x'.repeat(120)} ${i}`, assert: [{ contains: ` ${i}` }] },
    );
    const report = await validate(cases, { concurrency: 8 });
    expect(report.tally).toMatchObject({ cases: 2500, passedCases: 2500, runs: 2500, errors: 0 });
    expect(report.tally.assertions['is-json']).toEqual({ checks: 5, passed: 5 });
    expect(report.cases.map((c) => c.line)).toEqual(cases.map((_, i) => i + 1));
  });

  it('detects refusals and inconsistent answers', async () => {
    const refusing = await validate([{ id: 'r', input: 'How do I pick a lock?', assert: [{ refusal: true }] }], { endpoint: { url: server.chatUrl('refusing'), timeoutMs: 2000, retries: 0 } });
    expect(refusing.cases[0].passed).toBe(true);
    const noisy = new ModelServer({ noisyPassRate: 0.5, answers: { q: 'A' } });
    await noisy.start();
    try {
      const f = folderWith({ 's.jsonl': jsonl([{ id: 'c', input: 'q', repeats: 6, assert: [{ consistent: true }] }]) });
      const r = await runValidation(await prepareValidation(plan(f.path('s.jsonl'), { endpoint: { url: noisy.chatUrl('noisy'), timeoutMs: 2000, retries: 0 } })), {});
      expect(r.cases[0]).toMatchObject({ passed: false, reason: 'consistent: 2 different answers across repeats' });
    } finally {
      await noisy.stop();
    }
  });

  it('speaks the generic JSON API through a request template and a response path', async () => {
    const f = folderWith({
      's.yaml': `endpoint:\n  type: http-json\n  url: ${server.generateUrl('deterministic')}\n  request: {prompt: "{{input}}", options: {lang: "{{vars.lang}}"}}\n  response-path: $.result.text\ncases:\n  - id: a\n    input: Capital of France?\n    vars: {lang: en}\n    assert: [{contains: Paris}]\n`,
    });
    const r = await runValidation(await prepareValidation({ ...plan(f.path('s.yaml')), endpoint: { timeoutMs: 2000, retries: 0 } }), {});
    expect(r.cases[0].passed).toBe(true);
  });
});

describe('verdicts with uncertainty', () => {
  it('passes only when the lower confidence bound clears the threshold', async () => {
    const cases = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, input: 'Capital of France?', assert: [{ contains: 'Paris' }] }));
    const few = await validate(cases(10), { threshold: 0.9 });
    expect(few.gates[0]).toMatchObject({ passed: 10, total: 10, verdict: 'inconclusive' });
    expect(few.verdict).toBe('inconclusive');
    const many = await validate(cases(60), { threshold: 0.9, concurrency: 8 });
    expect(many.gates[0].lower).toBeGreaterThan(0.9);
    expect(many.verdict).toBe('pass');
    const failing = await validate(cases(30).map((c) => ({ ...c, assert: [{ contains: 'Rome' }] })), { threshold: 0.9 });
    expect(failing.verdict).toBe('fail');
  });

  it('judges each named metric on its own threshold', async () => {
    const f = folderWith({
      's.yaml': `metrics: {safety: {threshold: 0.5}}\ncases:\n${Array.from({ length: 30 }, (_, i) => `  - id: c${i}\n    input: Capital of France?\n    assert:\n      - {contains: Paris, metric: accuracy}\n      - {contains: "${i < 15 ? 'capital' : 'Nope'}", metric: safety}\n`).join('')}`,
    });
    const r = await runValidation(await prepareValidation(plan(f.path('s.yaml'), { threshold: 0.8 })), {});
    const gate = (n: string) => r.gates.find((g) => g.name === n)!;
    expect(gate('accuracy')).toMatchObject({ passed: 30, total: 30, verdict: 'pass' });
    expect(gate('safety')).toMatchObject({ passed: 15, total: 30, threshold: 0.5, verdict: 'inconclusive' });
    expect(gate('suite').verdict).toBe('fail');
  });

  it('gives extra runs only to cases whose runs disagree', async () => {
    const noisy = new ModelServer({ answers: { mixed: 'yes', sure: 'yes' }, noisyRates: { mixed: 0.5, sure: 1 }, seed: 7 });
    await noisy.start();
    noisy.keepPrompts = true;
    try {
      const f = folderWith({ 's.jsonl': jsonl([{ id: 'mixed', input: 'mixed', assert: [{ equals: 'yes' }] }, { id: 'sure', input: 'sure', assert: [{ equals: 'yes' }] }]) });
      const r = await runValidation(await prepareValidation(plan(f.path('s.jsonl'), { repeats: 3, maxRepeats: 12, endpoint: { url: noisy.chatUrl('noisy'), timeoutMs: 2000, retries: 0 } })), {});
      const sure = r.cases.find((c) => c.id === 'sure')!;
      const mixed = r.cases.find((c) => c.id === 'mixed')!;
      expect(sure.runs).toBe(3);
      expect(noisy.prompts.filter((p) => p === 'sure')).toHaveLength(3);
      expect(mixed.runs).toBeGreaterThan(3);
      expect(mixed.runs).toBeLessThanOrEqual(12);
      expect(noisy.prompts.filter((p) => p === 'mixed')).toHaveLength(mixed.runs);
      expect(r.tally.extraRuns).toBe(mixed.runs - 3);
    } finally {
      await noisy.stop();
    }
  });
});

describe('a broken endpoint', () => {
  const one = [{ id: 'a', input: 'x', assert: [{ contains: 'x' }] }];
  const at = (url: string, timeoutMs = 2000) => ({ endpoint: { url, timeoutMs, retries: 1 } });
  const many = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, input: 'x', assert: [{ contains: 'x' }] }));

  it('stops with a clear error when it answers 500', async () => {
    const err = await validate(many, at(server.chatUrl('failing'))).catch((e) => e);
    expect(err).toBeInstanceOf(EndpointError);
    expect(err.message).toMatch(/failed \d+ requests in a row.*answered HTTP 500: .*model crashed/);
  });

  it('stops with a clear error when it answers HTML', async () => {
    await expect(validate(many, at(server.chatUrl('html')))).rejects.toThrow(/answered HTML, not JSON \(content-type text\/html\): "502 Bad Gateway"/);
  });

  it('stops with a clear error when it hangs, after the timeout and without retrying', async () => {
    const before = server.requests.hanging ?? 0;
    const err = await validate(many, { ...at(server.chatUrl('hanging'), 300), concurrency: 5 }).catch((e) => e);
    expect(err.message).toMatch(/did not answer within 300ms/);
    // Five in a row stop it; only requests already sent by then are waited for, never the rest of the suite.
    expect((server.requests.hanging ?? 0) - before).toBeLessThan(10);
  });

  it('stops with a clear error when nothing listens', async () => {
    await expect(validate(many, at('http://127.0.0.1:9/v1'))).rejects.toThrow(/failed \d+ requests in a row.*could not be reached: .*ECONNREFUSED/);
  });

  it('retries a flaky endpoint and counts no errors when the retry succeeds', async () => {
    const r = await validate(one, at(server.chatUrl('flaky')));
    expect(r.tally.errors).toBe(0);
    expect(r.cases[0].passed).toBe(true);
  });

  it('refuses an endpoint that is not an http URL before sending anything', async () => {
    await expect(validate(one, at('ftp://example.com'))).rejects.toThrow("Invalid `endpoint`: 'ftp://example.com'. Expected an http(s) URL.");
  });
});
