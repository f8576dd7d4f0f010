import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ModelServer, type Mode } from '../support/model-server.js';
import { prepareValidation, runValidation } from '../../shared/validation/validate.js';
import { parseVerdict } from '../../shared/validation/judge.js';
import { folderWith } from './fixtures.js';

/** One server plays both parts: the model under test (`deterministic`) and the judge (`judge`, or a broken one). */
const server = new ModelServer({ answers: { 'Capital of France?': 'The capital of France is Paris.' } });
beforeAll(() => server.start());
afterAll(() => server.stop());

const SUITE = `repeats: 2
cases:
  - {id: right, input: "Capital of France?", assert: [{judge: "The answer mentions Paris"}]}
  - {id: wrong, input: "Capital of France?", assert: [{judge: "The answer mentions Lyon"}]}
`;

async function validate(yaml: string, judgeMode: Mode | undefined, judgeInSuite = false) {
  const judgeUrl = judgeMode && server.chatUrl(judgeMode);
  const text = judgeInSuite && judgeUrl ? `judge: {url: "${judgeUrl}", model: grader}\n${yaml}` : yaml;
  const f = folderWith({ 's.yaml': text });
  const prepared = await prepareValidation({
    suiteFile: f.path('s.yaml'),
    endpoint: { url: server.chatUrl('deterministic'), timeoutMs: 2000, retries: 0 },
    judge: judgeInSuite ? undefined : { url: judgeUrl, apiKey: 'judge-key', model: 'grader' },
    concurrency: 2,
    confidence: 0.95,
    method: 'wilson',
  });
  return runValidation(prepared, {});
}

describe('judge assertions', () => {
  it('pass or fail on the judge verdict, with its reason, over every repeat', async () => {
    const before = server.requests.judge ?? 0;
    const report = await validate(SUITE, 'judge');
    expect(report.cases.map((c) => [c.id, c.passed, c.passes, c.runs, c.errors])).toEqual([
      ['right', true, 2, 2, 0],
      ['wrong', false, 0, 2, 0],
    ]);
    expect(report.cases[1].reason).toBe('judge: the judge says: it does not mention Lyon');
    expect(report.tally.assertions.judge).toEqual({ checks: 4, passed: 2 });
    expect((server.requests.judge ?? 0) - before).toBe(4);
  });

  it('takes the judge from the suite when no input gives one', async () => {
    const report = await validate(SUITE, 'judge', true);
    expect(report.cases.map((c) => c.passed)).toEqual([true, false]);
  });

  it.each([
    ['answers HTML', 'html', /judge: endpoint error: the judge .*answered HTML, not JSON \(content-type text\/html\): "502 Bad Gateway"/],
    ['answers 500', 'failing', /judge: endpoint error: the judge .*answered HTTP 500/],
    ['answers prose, not a verdict', 'judge-prose', /judge: endpoint error: the judge .* did not answer \{"pass": true\|false, "reason": \.\.\.\}: "The answer looks fine to me\."/],
  ] as const)('counts a judge that %s as an endpoint error, never as a pass', async (_, mode, reason) => {
    const report = await validate(SUITE, mode);
    for (const c of report.cases) {
      expect(c).toMatchObject({ passed: false, passes: 0, errors: 2 });
      expect(c.reason).toMatch(reason);
    }
    expect(report.verdict).toBe('fail');
  });

  it('stops the evaluation when the judge keeps failing, even while the model answers', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `  - {id: c${i}, input: "Capital of France?", assert: [{judge: "The answer mentions Paris"}]}`).join('\n');
    await expect(validate(`cases:\n${many}\n`, 'failing')).rejects.toThrow(/^The judge endpoint failed 5 requests in a row, so the evaluation stopped\. Last error: the judge .*answered HTTP 500/);
  });

  it('refuses judge assertions without a judge, before any request', async () => {
    const before = server.requests.deterministic ?? 0;
    await expect(validate(SUITE, undefined)).rejects.toThrow(/`judge` assertions need a judge endpoint: set the `judge-endpoint` input or `judge.url` in the suite\./);
    expect(server.requests.deterministic ?? 0).toBe(before);
  });

  it('reads a verdict alone, fenced or inside text, and nothing else', () => {
    expect(parseVerdict('{"pass": true, "reason": "ok"}', 'u')).toEqual({ pass: true, reason: 'ok' });
    expect(parseVerdict('Verdict:\n```json\n{"pass": false}\n```', 'u')).toEqual({ pass: false, reason: 'does not meet the rubric' });
    expect(() => parseVerdict('{"pass": "yes"}', 'u')).toThrow(/did not answer \{"pass"/);
    expect(() => parseVerdict('PASS', 'u')).toThrow(/did not answer \{"pass"/);
  });
});
