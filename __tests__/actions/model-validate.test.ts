import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../actions/model-validate/main.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import type { ValidationReport } from '../../shared/validation/report.js';
import { FakeGitHub } from '../support/fake-github.js';
import { ModelServer } from '../support/model-server.js';
import { runInProcess } from '../support/run-step.js';
import { bytes, freshRegistry, modelFolder, rawGet, rawPut, s3Endpoint } from '../registry/support.js';
import { folderWith, jsonl } from '../validation/fixtures.js';
import type { S3Client } from '@aws-sdk/client-s3';

const QUESTIONS = Array.from({ length: 40 }, (_, i) => `Question ${i}?`);
const good = Object.fromEntries(QUESTIONS.map((q, i) => [q, `Answer ${i}.`]));
/** The candidate answers 5 questions wrongly that the current model got right. */
const worse = { ...good, ...Object.fromEntries(QUESTIONS.slice(0, 5).map((q) => [q, 'No idea.'])) };
const current = new ModelServer({ answers: good });
const candidate = new ModelServer({ answers: worse });
const github = new FakeGitHub();
let nextCommentId = 100;
const comments: { id: number; body: string }[] = [];

// 40 cases, one a line after the settings line; case i expects `Answer i.`; the last case can never pass.
const suiteRows = [
  { suite: { name: 'qa', threshold: 0.7 } },
  ...QUESTIONS.map((q, i) => ({ id: `q${i}`, input: q, assert: [{ contains: `Answer ${i}.` }] })),
  { id: 'impossible', input: 'Question 0?', assert: [{ equals: 'never' }] },
];
const suite = folderWith({ 'qa.jsonl': jsonl(suiteRows), 'event.json': JSON.stringify({ pull_request: { number: 7, head: { sha: 'abc123' } } }) });

beforeAll(async () => {
  await Promise.all([current.start(), candidate.start(), github.start()]);
  github
    .on('POST', '/repos/acme/models/check-runs', (r) => ({ status: 201, body: { id: 1000 + github.received('POST', '/repos/acme/models/check-runs').length, ...(r.body as object) } }))
    .on('PATCH', /^\/repos\/acme\/models\/check-runs\/\d+$/, { status: 200, body: {} })
    .on('GET', '/repos/acme/models/issues/7/comments', () => ({ status: 200, body: comments }))
    .on('POST', '/repos/acme/models/issues/7/comments', (r) => {
      const c = { id: nextCommentId++, body: (r.body as { body: string }).body };
      comments.push(c);
      return { status: 201, body: c };
    })
    .on('PATCH', /^\/repos\/acme\/models\/issues\/comments\/\d+$/, (r) => {
      const c = comments.find((x) => r.path.endsWith(`/${x.id}`))!;
      c.body = (r.body as { body: string }).body;
      return { status: 200, body: c };
    });
});
afterAll(() => Promise.all([current.stop(), candidate.stop(), github.stop()]));

let registry: ModelRegistry;
let s3: S3Client;
let bucket: string;
beforeEach(async () => {
  ({ registry, s3, bucket } = await freshRegistry('team'));
});

/** Files a step reads must be in the workspace or RUNNER_TEMP: the tests' suites, reports, datasets and models are in the workspace. */
const inTemp = (files: Record<string, string>) => folderWith(files, suite.dir);
let models = 0;
/** A local model folder inside the workspace, as a workflow would check out or build one. */
async function localModel(files: Record<string, string | Buffer>): Promise<string> {
  const folder = join(suite.dir, `model-${++models}`);
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}

const env = () => ({
  AWS_ENDPOINT_URL: s3Endpoint(),
  AWS_ACCESS_KEY_ID: 'sandbox',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: 'us-east-1',
  GITHUB_API_URL: github.url,
  GITHUB_REPOSITORY: 'acme/models',
  GITHUB_SHA: 'def456',
  GITHUB_EVENT_PATH: suite.path('event.json'),
  GITHUB_WORKSPACE: suite.dir,
  RUNNER_TEMP: folderWith({}).dir,
});

const inputs = (more: Record<string, string>) => ({
  registry: `s3://${bucket}/team`,
  model: 'qa-model',
  suite: 'qa.jsonl',
  endpoint: current.chatUrl('deterministic'),
  'github-token': 'ghs_faketoken1234',
  concurrency: '4',
  ...more,
});

async function publish(version: string, seed = 1): Promise<void> {
  const folder = await modelFolder({ 'weights.bin': bytes(50_000, seed), 'config.json': '{"layers": 2}' });
  await registry.publish({ model: 'qa-model', version, folder, framework: 'onnx', createdBy: 'tests' });
}

const reportOf = (result: { outputs: Record<string, string> }) => JSON.parse(readFileSync(result.outputs.report, 'utf8')) as ValidationReport;

describe('model-validate with the registry', () => {
  it('validates `latest`, binds the verdict to the manifest digest, stores the results and reports to GitHub', async () => {
    await publish('1.0.0');
    await publish('1.2.0', 2);
    const resolved = await registry.resolve('qa-model', { kind: 'latest' });
    github.requests.length = 0;
    const result = await runInProcess(run, inputs({ version: 'latest' }), { env: env() });
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ verdict: 'pass', version: '1.2.0', checksum: resolved.manifestDigest, 'pass-rate': (40 / 41).toFixed(5) });
    expect(readFileSync(join(result.outputs['model-dir'], 'config.json'), 'utf8')).toBe('{"layers": 2}');
    const stored = await registry.readValidation<ValidationReport>('qa-model', '1.2.0', 'qa');
    expect(stored).toMatchObject({ manifestDigest: resolved.manifestDigest, report: { verdict: 'pass', tally: { cases: 41, passedCases: 40 } } });
    expect(result.summary).toMatch(/✅ pass.*qa-model@1\.2\.0.*40\/41 cases passed/);
    expect(result.summary).toMatch(/\| impossible \| \[42\]\(https:\/\/github\.com\/acme\/models\/blob\/abc123\/qa\.jsonl#L42\) \| 0\/1 \|/);
    // One check run on the PR head, one annotation for the one failing case, at its line in the suite.
    const [check] = github.received('POST', '/repos/acme/models/check-runs');
    expect(check.body).toMatchObject({ name: 'model-validate', head_sha: 'abc123', status: 'completed', conclusion: 'success' });
    expect((check.body as { output: { annotations: unknown[] } }).output.annotations).toEqual([
      { path: 'qa.jsonl', start_line: 42, end_line: 42, annotation_level: 'failure', title: 'Case impossible: 0/1 runs passed', message: 'equals: expected "never", got "Answer 0."' },
    ]);
    // The token is registered for masking and appears nowhere else.
    expect(result.stdout).toContain('::add-mask::ghs_faketoken1234');
    expect(result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain('ghs_faketoken1234');
    expect(readFileSync(result.outputs.report, 'utf8')).not.toContain('ghs_faketoken1234');
  });

  it('keeps one sticky PR comment, updated in place on the next run', async () => {
    await publish('1.0.0');
    comments.length = 0;
    github.requests.length = 0;
    await runInProcess(run, inputs({ version: '1.0.0' }), { env: env() });
    await runInProcess(run, inputs({ version: '1.0.0', endpoint: candidate.chatUrl('deterministic') }), { env: env() });
    expect(github.received('POST', '/repos/acme/models/issues/7/comments')).toHaveLength(1);
    const updates = github.received('PATCH', /\/issues\/comments\/\d+$/);
    expect(updates).toHaveLength(1);
    expect(updates[0].path).toBe(`/repos/acme/models/issues/comments/${comments[0].id}`);
    expect(comments).toHaveLength(1);
    expect(comments[0].body).toMatch(/^<!-- ai-deploy:model-validate:model-validate:qa -->\n/);
    expect(comments[0].body).toMatch(/35\/41 cases passed/);
  });

  it('fails a candidate that regresses against production on the same cases, even above the absolute threshold', async () => {
    await publish('1.0.0');
    await publish('1.1.0', 2);
    await runInProcess(run, inputs({ version: '1.0.0' }), { env: env() });
    await registry.promote('qa-model', 'production', '1.0.0', { promotedBy: 'tests' });
    const result = await runInProcess(run, inputs({ version: '1.1.0', baseline: 'production', endpoint: candidate.chatUrl('deterministic') }), { env: env() });
    const report = reportOf(result);
    expect(report.gates[0]).toMatchObject({ name: 'suite', passed: 35, total: 41, verdict: 'pass' });
    expect(report.baseline).toMatchObject({ baseline: "environment 'production' (1.0.0)", paired: 41, counts: { regressed: 5, improved: 0 }, verdict: 'fail' });
    expect(report.baseline!.pValue).toBeCloseTo(1 / 32, 6);
    expect(result.outputs.verdict).toBe('fail');
    expect(result.failed).toBe(true);
    expect(result.errors[0]).toMatch(/^The gate did not pass/);
  });

  it('refuses a baseline that has no stored results, before any request', async () => {
    await publish('1.0.0');
    const before = current.requests.deterministic ?? 0;
    const result = await runInProcess(run, inputs({ version: '1.0.0', baseline: '1.0.0' }), { env: env() });
    expect(result.errors).toEqual([expect.stringMatching(/^Invalid `baseline`: 1\.0\.0 of model 'qa-model' has no stored results for suite 'qa'/)]);
    expect(current.requests.deterministic ?? 0).toBe(before);
  });

  it.each([
    ['a flipped byte', async (key: string) => {
      const b = await rawGet(s3, bucket, key);
      b[100] ^= 1;
      await rawPut(s3, bucket, key, b);
    }, /weights\.bin.*SHA-256/],
    ['a truncated file', async (key: string) => rawPut(s3, bucket, key, (await rawGet(s3, bucket, key)).subarray(0, 1000)), /weights\.bin/],
    ['a wrong checksum in the manifest', async () => {
      const key = 'team/models/qa-model/versions/1.0.0/manifest.json';
      const m = JSON.parse((await rawGet(s3, bucket, key)).toString());
      m.files.find((f: { path: string }) => f.path === 'weights.bin').sha256 = '0'.repeat(64);
      await rawPut(s3, bucket, key, JSON.stringify(m));
    }, /weights\.bin/],
  ])('fails on %s in the registry, sends no request and stores nothing', async (_, damage, message) => {
    await publish('1.0.0');
    await damage('team/models/qa-model/versions/1.0.0/files/weights.bin');
    const before = current.requests.deterministic ?? 0;
    const result = await runInProcess(run, inputs({ version: '1.0.0' }), { env: env() });
    expect(result.failed).toBe(true);
    expect(result.errors[0]).toMatch(message);
    expect(current.requests.deterministic ?? 0).toBe(before);
    expect(await registry.readValidation('qa-model', '1.0.0', 'qa')).toBeUndefined();
  });

  it('publishes model-path as a new version only when the gate passes, with the results beside it', async () => {
    const folder = await localModel({ 'weights.bin': bytes(10_000, 5) });
    const passed = await runInProcess(run, inputs({ 'model-path': folder, version: '2.0.0', publish: 'true', framework: 'onnx' }), { env: env() });
    expect(passed.outputs.verdict).toBe('pass');
    const published = await registry.resolve('qa-model', { kind: 'version', version: '2.0.0' });
    expect(passed.outputs.checksum).toBe(published.manifestDigest);
    expect(published.manifest).toMatchObject({ framework: 'onnx', files: [{ path: 'weights.bin', size: 10_000 }] });
    expect(await registry.readValidation('qa-model', '2.0.0', 'qa')).toMatchObject({ manifestDigest: published.manifestDigest });

    const failed = await runInProcess(run, inputs({ 'model-path': folder, version: '2.1.0', publish: 'true', threshold: '99%' }), { env: env() });
    // 40/41 cannot show 99% with confidence: not proven safe is not published.
    expect(failed.outputs.verdict).toBe('inconclusive');
    expect(failed.failed).toBe(true);
    expect(await registry.versions('qa-model')).toEqual(['2.0.0']);
  });

  it('refuses to publish over an existing version before evaluating', async () => {
    await publish('1.0.0');
    const folder = await localModel({ 'weights.bin': bytes(100, 5) });
    const before = current.requests.deterministic ?? 0;
    const result = await runInProcess(run, inputs({ 'model-path': folder, version: '1.0.0', publish: 'true' }), { env: env() });
    expect(result.errors).toEqual([expect.stringMatching(/qa-model 1\.0\.0 already exists/)]);
    expect(current.requests.deterministic ?? 0).toBe(before);
  });
});

describe('model-validate refuses bad input clearly, and publishes nothing', () => {
  const local = () => ({ suite: 'qa.jsonl', endpoint: current.chatUrl('deterministic') });

  it.each([
    [{ shard: '3/2' }, "Invalid `shard`: '3/2'. Expected `i/n` with 1 <= i <= n, such as `1/4` (shard i of n)."],
    [{ concurrency: 'lots' }, "Invalid `concurrency`: 'lots'. Expected an integer at least 1 and at most 1024."],
    [{ confidence: '100%' }, "Invalid `confidence`: '100%'. Expected a percentage greater than 0 and less than 100 (for example `10` or `10%`)."],
    [{ interval: 'bayes' }, "Invalid `interval`: 'bayes'. Expected one of `wilson`, `clopper-pearson`."],
    [{ registry: 's3://Bad_Bucket' }, expect.stringMatching(/^Invalid `registry`: 's3:\/\/Bad_Bucket'/)],
    [{ publish: 'true' }, expect.stringMatching(/^`publish: true` needs `registry`/)],
    [{ shard: '1/2', merge: 'true' }, expect.stringMatching(/^Only one of `merge` or `shard`/)],
    [{ suite: '' }, 'Input `suite` is required and was not given.'],
    [{ reference: 'a.csv' }, 'Drift needs both `reference` and `current` datasets (CSV or JSONL).'],
    [{ 'artifact-name': 'reports/qa' }, expect.stringMatching(/^Invalid `artifact-name`: 'reports\/qa'\. Expected an artifact name without/)],
    [{ timeout: '30' }, expect.stringMatching(/^Invalid `timeout`: '30'\. Expected a positive duration/)],
  ])('%j', async (bad, message) => {
    const before = current.requests.deterministic ?? 0;
    const result = await runInProcess(run, { ...local(), ...bad }, { env: env() });
    expect(result.failed).toBe(true);
    expect(result.errors).toEqual([message]);
    expect(current.requests.deterministic ?? 0).toBe(before);
  });

  it.each([
    ['an unknown assertion', [{ id: 'a', input: 'x', assert: [{ 'sounds-like': 'y' }] }], /unknown assertion `sounds-like`/],
    ['an invalid regex', [{ id: 'a', input: 'x', assert: [{ regex: '[z-a]' }] }], /invalid `regex` "\[z-a\]"/],
    ['a regex too large for the engine', [{ id: 'a', input: 'x', assert: [{ contains: 'x' }] }, { id: 'big', input: 'x', assert: [{ regex: 'x'.repeat(40_000) }] }], /^Case `big` \(.*bad\.jsonl line 2\): invalid `regex` "x+…" \(40000 characters\): Regular expression too large\.$/],
    ['duplicate case ids', [{ id: 'a', input: 'x', assert: [{ contains: 'x' }] }, { id: 'a', input: 'y', assert: [{ contains: 'y' }] }], /duplicate case id `a` at line 2 \(first at line 1\)/],
  ])('a suite with %s fails before publishing or sending anything', async (_, rows, message) => {
    const f = inTemp({ 'bad.jsonl': jsonl(rows) });
    const folder = await localModel({ 'weights.bin': bytes(100, 9) });
    const before = current.requests.deterministic ?? 0;
    const result = await runInProcess(run, inputs({ suite: f.path('bad.jsonl'), 'model-path': folder, version: '3.0.0', publish: 'true' }), { env: env() });
    expect(result.errors).toEqual([expect.stringMatching(message)]);
    expect(result.errors[0]).not.toMatch(/\n\s+at /);
    expect(current.requests.deterministic ?? 0).toBe(before);
    expect(await registry.versions('qa-model')).toEqual([]);
  });

  it.each([
    ['answers 500', 'failing', /answered HTTP 500/],
    ['answers HTML', 'html', /answered HTML, not JSON/],
    ['hangs', 'hanging', /did not answer within 500ms/],
  ] as const)('an endpoint that %s fails the step clearly and nothing is published', async (_, mode, message) => {
    const folder = await localModel({ 'weights.bin': bytes(100, 9) });
    const result = await runInProcess(run, inputs({ endpoint: current.chatUrl(mode), timeout: '500ms', retries: '0', 'model-path': folder, version: '3.0.0', publish: 'true' }), { env: env() });
    expect(result.failed).toBe(true);
    expect(result.errors[0]).toMatch(message);
    expect(await registry.versions('qa-model')).toEqual([]);
  });
});

describe('sharding and merging', () => {
  it('splits the cases over shards by id and merges the shard reports into the single-run verdict', async () => {
    const whole = reportOf(await runInProcess(run, { suite: 'qa.jsonl', endpoint: candidate.chatUrl('deterministic') }, { env: env() }));
    const shardsDir = inTemp({}).dir;
    const shards: ValidationReport[] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const r = await runInProcess(run, { suite: 'qa.jsonl', endpoint: candidate.chatUrl('deterministic'), shard }, { env: env() });
      expect(r.failed).toBe(false);
      const report = reportOf(r);
      shards.push(report);
      writeFileSync(join(shardsDir, `shard-${shard.replace('/', '-')}.json`), JSON.stringify(report));
    }
    const ids = shards.flatMap((s) => s.cases.map((c) => c.id));
    expect(new Set(ids).size).toBe(41);
    expect(shards.every((s) => s.cases.length > 5)).toBe(true);
    const merged = await runInProcess(run, { suite: 'qa.jsonl', merge: 'true', 'shard-reports': shardsDir, 'github-token': '' }, { env: env() });
    const report = reportOf(merged);
    expect(report.gates).toEqual(whole.gates);
    expect(report.verdict).toBe(whole.verdict);
    expect(report.cases.map((c) => [c.id, c.passed])).toEqual(whole.cases.map((c) => [c.id, c.passed]));

    const otherSuite = inTemp({ 'qa.jsonl': jsonl(suiteRows.slice(0, 10)) });
    const mismatch = await runInProcess(run, { suite: otherSuite.path('qa.jsonl'), merge: 'true', 'shard-reports': shardsDir, 'github-token': '' }, { env: env() });
    expect(mismatch.errors).toEqual([expect.stringMatching(/^The shard reports ran suite qa\.jsonl sha256:[0-9a-f]{64}, but `suite` '.*' is sha256:[0-9a-f]{64}: merge the shards of this very suite\.$/)]);

    writeFileSync(join(shardsDir, 'shard-2-3.json'), JSON.stringify(shards[0]));
    const broken = await runInProcess(run, { suite: 'qa.jsonl', merge: 'true', 'shard-reports': shardsDir, 'github-token': '' }, { env: env() });
    expect(broken.errors).toEqual(['Shard 1/3 is reported twice.']);
  });
});

describe('drift', () => {
  it('fails the gate when the share of drifted columns reaches the limit', async () => {
    const rows = (shift: number) => ['age,country', ...Array.from({ length: 300 }, (_, i) => `${(i % 60) + shift},${['fr', 'de', 'es'][i % 3]}`)].join('\n');
    const f = inTemp({ 'ref.csv': rows(0), 'same.csv': rows(0), 'cur.csv': rows(30) });
    const ok = await runInProcess(run, { ...{ suite: 'qa.jsonl', endpoint: current.chatUrl('deterministic') }, reference: f.path('ref.csv'), current: f.path('same.csv') }, { env: env() });
    expect(reportOf(ok).drift).toMatchObject({ drifted: 0, verdict: 'pass' });
    const drifted = await runInProcess(run, { suite: 'qa.jsonl', endpoint: current.chatUrl('deterministic'), reference: f.path('ref.csv'), current: f.path('cur.csv') }, { env: env() });
    const report = reportOf(drifted);
    expect(report.drift!.columns).toEqual([
      expect.objectContaining({ column: 'age', type: 'numeric', method: 'ks', drifted: true }),
      expect.objectContaining({ column: 'country', type: 'categorical', method: 'chi-square', drifted: false }),
    ]);
    expect(report.drift).toMatchObject({ share: 0.5, verdict: 'fail' });
    expect(drifted.outputs.verdict).toBe('fail');
  });
});

describe('judge assertions from the action', () => {
  it('grades with the judge-* inputs, and the judge key is masked and stored nowhere', async () => {
    const judged = inTemp({ 'judged.yaml': 'cases:\n  - {id: j1, input: "Question 1?", assert: [{judge: "The answer mentions Answer 1."}]}\n  - {id: j2, input: "Question 2?", assert: [{judge: "The answer mentions Answer 9."}]}\n' });
    const before = current.requests.judge ?? 0;
    const result = await runInProcess(
      run,
      { suite: judged.path('judged.yaml'), endpoint: current.chatUrl('deterministic'), 'judge-endpoint': current.chatUrl('judge'), 'judge-api-key': 'jdg-secret-4242', 'judge-model': 'grader', threshold: '1%' },
      { env: env() },
    );
    expect(result.errors).toEqual([]);
    const report = reportOf(result);
    expect(report.cases.map((c) => [c.id, c.passed, c.reason])).toEqual([
      ['j1', true, undefined],
      ['j2', false, 'judge: the judge says: it does not mention Answer 9.'],
    ]);
    expect((current.requests.judge ?? 0) - before).toBe(2);
    expect(result.stdout).toContain('::add-mask::jdg-secret-4242');
    expect(result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain('jdg-secret-4242');
    expect(readFileSync(result.outputs.report, 'utf8')).not.toContain('jdg-secret-4242');
  });
});
