import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ModelServer } from '../support/model-server.js';
import { prepareValidation, runValidation } from '../../shared/validation/validate.js';
import { renderMarkdown } from '../../shared/validation/render.js';
import { folderWith } from './fixtures.js';

const server = new ModelServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

/** A check that passes every other time it runs for a case: exactly half of any even number of runs pass, in any order. */
const ALTERNATE = 'const seen = new Map();\nexport default (_output, { caseId }) => { const n = (seen.get(caseId) ?? 0) + 1; seen.set(caseId, n); return n % 2 === 0; };\n';

async function validate(yaml: string) {
  const f = folderWith({ 's.yaml': yaml, 'alternate.mjs': ALTERNATE });
  const prepared = await prepareValidation({ suiteFile: f.path('s.yaml'), endpoint: { url: server.chatUrl('deterministic'), timeoutMs: 2000, retries: 0 }, concurrency: 2, confidence: 0.95, method: 'wilson' });
  return runValidation(prepared, {});
}

describe('pass rules per case', () => {
  it('decides each case by its rule: all runs (pass^k), at least k runs, or a majority settled by its interval', async () => {
    const report = await validate(`repeats: 4
cases:
  - {id: all-half, input: x, pass-rule: all, assert: [{custom: ./alternate.mjs}]}
  - {id: all-every, input: x, pass-rule: all, assert: [{contains: x}]}
  - {id: two-of-four, input: x, pass-rule: {at-least: 2}, assert: [{custom: ./alternate.mjs}]}
  - {id: three-of-four, input: x, pass-rule: {at-least: 3}, assert: [{custom: ./alternate.mjs}]}
  - {id: majority-half, input: x, assert: [{custom: ./alternate.mjs}]}
`);
    const byId = Object.fromEntries(report.cases.map((c) => [c.id, c]));
    expect(byId['all-half']).toMatchObject({ passed: false, runs: 4, passes: 2, rule: 'all' });
    expect(byId['all-every']).toMatchObject({ passed: true, runs: 4, passes: 4, rule: 'all' });
    expect(byId['two-of-four']).toMatchObject({ passed: true, runs: 4, passes: 2, rule: 'at-least 2' });
    expect(byId['three-of-four']).toMatchObject({ passed: false, runs: 4, passes: 2, rule: 'at-least 3' });
    // Half of the runs pass: the interval of the rate keeps straddling one half, so runs are added up to 3 x repeats.
    expect(byId['majority-half']).toMatchObject({ passed: false, runs: 12, passes: 6, uncertain: true });
    expect(byId['majority-half'].rule).toBeUndefined();
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('| all-half | 3 | 2/4 (needs all) |');
    expect(markdown).toContain('| three-of-four | 6 | 2/4 (needs at-least 3) |');
    expect(markdown).toContain('Pass rules: 1/2 cases that need every run (pass^k) passed, 1/2 cases that need at least k runs passed;');
  });

  it('takes the suite default and lets a case override it', async () => {
    const report = await validate(`repeats: 2
pass-rule: all
cases:
  - {id: strict, input: x, assert: [{custom: ./alternate.mjs}]}
  - {id: lenient, input: x, pass-rule: {at-least: 1}, assert: [{custom: ./alternate.mjs}]}
`);
    expect(report.cases.map((c) => [c.id, c.passed, c.rule])).toEqual([['strict', false, 'all'], ['lenient', true, 'at-least 1']]);
  });

  it('refuses a rule that can never pass, or is not a rule, before any request', async () => {
    const before = server.requests.deterministic ?? 0;
    await expect(validate('repeats: 2\ncases:\n  - {id: a, input: x, pass-rule: {at-least: 3}, assert: [{contains: x}]}\n')).rejects.toThrow(
      /Case `a` \(.*s.yaml line 3\): `pass-rule: \{at-least: 3\}` can never pass with 2 run\(s\): set `repeats` to 3 or more\./,
    );
    await expect(validate('cases:\n  - {id: a, input: x, pass-rule: most, assert: [{contains: x}]}\n')).rejects.toThrow(
      /Case `a` \(.*s.yaml line 2\): `pass-rule` is "most", expected `majority`, `all` or `\{at-least: k\}` with k a positive integer\./,
    );
    expect(server.requests.deterministic ?? 0).toBe(before);
  });
});
