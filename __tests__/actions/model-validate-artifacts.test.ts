import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { run } from '../../actions/model-validate/main.js';
import type { ValidationReport } from '../../shared/validation/report.js';
import { FakeArtifactService, type BackendIds } from '../support/fake-artifact-service.js';
import { ModelServer } from '../support/model-server.js';
import { runInProcess } from '../support/run-step.js';
import { folderWith, jsonl } from '../validation/fixtures.js';

// model-validate on a runner: the report goes to the (fake) artifact service, and a merge run fetches the shards' reports from it.

const QUESTIONS = Array.from({ length: 30 }, (_, i) => `Question ${i}?`);
const model = new ModelServer({ answers: Object.fromEntries(QUESTIONS.map((q, i) => [q, `Answer ${i}.`])) });
const artifacts = new FakeArtifactService();
const suite = folderWith({
  'qa.jsonl': jsonl([{ suite: { name: 'qa', threshold: 0.7 } }, ...QUESTIONS.map((q, i) => ({ id: `q${i}`, input: q, assert: [{ contains: `Answer ${i}.` }] }))]),
});

beforeAll(() => Promise.all([model.start(), artifacts.start()]));
afterAll(() => Promise.all([model.stop(), artifacts.stop()]));
beforeEach(() => artifacts.reset());

const RUN = '6f1a2b3c-0000-4000-8000-00000000000a';
const job = (name: string): BackendIds => ({ run: RUN, job: `job-${name}` });

/** A step of job `ids` on a runner: its own RUNNER_TEMP, the runtime token and results URL of that job. */
function step(inputs: Record<string, string>, ids: BackendIds) {
  const env = { ...artifacts.env(ids), GITHUB_WORKSPACE: suite.dir, RUNNER_TEMP: folderWith({}).dir, GITHUB_SERVER_URL: 'https://github.com' };
  return runInProcess(run, { suite: 'qa.jsonl', 'github-token': '', ...inputs }, { env }).then((r) => ({ ...r, token: env.ACTIONS_RUNTIME_TOKEN }));
}

const tokenFree = (stdout: string, token: string) => stdout.split('\n').filter((l) => l.includes(token));

describe('model-validate with the artifact service', () => {
  it('uploads its JSON report as the `artifact-name` artifact, kept 30 days, from the job of its token', async () => {
    const before = Date.now();
    const r = await step({ endpoint: model.chatUrl('deterministic'), 'artifact-name': 'qa-report' }, job('gate'));
    expect(r.errors).toEqual([]);
    expect(r.outputs.verdict).toBe('pass');
    expect(artifacts.rejections).toEqual([]);
    expect(artifacts.finalized()).toHaveLength(1);
    const [a] = artifacts.finalized();
    expect(a).toMatchObject({ name: 'qa-report', run: RUN, job: 'job-gate' });
    expect(a.files).toEqual({ [basename(r.outputs.report)]: readFileSync(r.outputs.report, 'utf8') });
    expect(Date.parse(a.expiresAt!) - before).toBeGreaterThan(30 * 24 * 3600_000 - 3600_000);
    expect(Date.parse(a.expiresAt!) - Date.now()).toBeLessThan(30 * 24 * 3600_000 + 3600_000);
    expect(r.stdout).toContain(`Uploaded ${basename(r.outputs.report)} as artifact 'qa-report' (id ${a.id}).`);
    expect(r.warnings).toEqual([]);
    expect(tokenFree(r.stdout, r.token)).toEqual([]);
  });

  it('shards upload `<artifact-name>-shard-i-of-n`; the merge run fetches exactly those and gives the single-run verdict', async () => {
    // The unsharded verdict, from a run of its own (artifact names are unique within a run).
    const whole = JSON.parse(readFileSync((await step({ endpoint: model.chatUrl('deterministic') }, { run: 'another-run', job: 'whole' })).outputs.report, 'utf8')) as ValidationReport;
    for (const shard of ['1/3', '2/3', '3/3']) {
      const r = await step({ endpoint: model.chatUrl('deterministic'), shard }, job(`shard-${shard[0]}`));
      expect(r.failed).toBe(false);
    }
    expect(artifacts.finalized().map((a) => [a.name, a.job])).toEqual([
      ['model-validate-report', 'whole'],
      ['model-validate-report-shard-1-of-3', 'job-shard-1'],
      ['model-validate-report-shard-2-of-3', 'job-shard-2'],
      ['model-validate-report-shard-3-of-3', 'job-shard-3'],
    ]);
    const merged = await step({ merge: 'true' }, job('merge'));
    expect(merged.errors).toEqual([]);
    expect(artifacts.rejections).toEqual([]);
    const report = JSON.parse(readFileSync(merged.outputs.report, 'utf8')) as ValidationReport;
    expect(report.verdict).toBe(whole.verdict);
    expect(report.gates).toEqual(whole.gates);
    expect(report.cases.map((c) => [c.id, c.passed])).toEqual(whole.cases.map((c) => [c.id, c.passed]));
    // The three shard artifacts were downloaded, not the whole run's; the merged report is uploaded under the plain name.
    const signed = artifacts.requests.filter((q) => q.path.endsWith('/GetSignedArtifactURL')).map((q) => (q.body as { name: string }).name);
    expect(signed).toEqual(['model-validate-report-shard-1-of-3', 'model-validate-report-shard-2-of-3', 'model-validate-report-shard-3-of-3']);
    expect(artifacts.finalized().filter((a) => a.run === RUN && a.name === 'model-validate-report').map((a) => a.job)).toEqual(['job-merge']);
    expect(tokenFree(merged.stdout, merged.token)).toEqual([]);
  });

  it('a merge off a runner, without `shard-reports`, fails saying so and contacts nothing', async () => {
    const r = await runInProcess(run, { suite: 'qa.jsonl', merge: 'true', 'github-token': '' }, { env: { ACTIONS_RUNTIME_TOKEN: '', ACTIONS_RESULTS_URL: '', GITHUB_WORKSPACE: suite.dir, RUNNER_TEMP: folderWith({}).dir } });
    expect(r.failed).toBe(true);
    expect(r.errors).toEqual(['Shard reports can only be fetched from artifacts on a GitHub runner; pass `shard-reports` (a folder of report files) instead.']);
    expect(artifacts.requests).toEqual([]);
  });
});
