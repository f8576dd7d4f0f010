import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadArtifacts } from '../../shared/action/artifacts.js';
import { downloadReports, uploadReport } from '../../shared/validation/artifacts.js';
import { uploadReport as uploadMonitorReport } from '../../actions/monitor-canary/artifact.js';
import { FakeArtifactService, readZip, type BackendIds } from '../support/fake-artifact-service.js';
import { runInProcess } from '../support/run-step.js';

const fake = new FakeArtifactService();
beforeAll(() => fake.start());
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

const RUN = 'ce7f54c7-61c7-4aae-887f-30da475f5f1a';
const job = (n: number): BackendIds => ({ run: RUN, job: `ca395085-040a-526b-2ce8-bdc85f69277${n}` });
const DAY = 24 * 3600 * 1000;

function reportFile(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
  writeFileSync(join(dir, 'unrelated.txt'), 'not part of the artifact');
  const file = join(dir, name);
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** Runs `body` as a step of job `ids` (its token and results URL in the environment), output captured. */
async function inJob<T>(ids: BackendIds | undefined, body: () => Promise<T>) {
  const env = ids ? fake.env(ids) : { ACTIONS_RUNTIME_TOKEN: '', ACTIONS_RESULTS_URL: '' };
  let value: T | undefined;
  const step = await runInProcess(async () => void (value = await body()), {}, { env: { ...env, GITHUB_SERVER_URL: 'https://github.com' } });
  return { ...step, value, token: env.ACTIONS_RUNTIME_TOKEN };
}

/** `expires_at` 30 days after `before` (give or take the hour a daylight-saving change moves it). */
function expectThirtyDays(expiresAt: string | undefined, before: number): void {
  const expires = Date.parse(expiresAt!);
  expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY - 3600_000);
  expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY + 3600_000);
}

const linesWith = (stdout: string, secret: string) => stdout.split('\n').filter((l) => l.includes(secret));

describe('uploading a file as an artifact', () => {
  it('uploads a zip holding exactly the file, under the given name, kept 30 days, with the backend ids of the job token', async () => {
    const file = reportFile('report.json', { verdict: 'pass', passRate: 0.975 });
    const before = Date.now();
    const r = await inJob(job(1), () => uploadReport('model-validate', file));
    expect(r.errors).toEqual([]);
    expect(fake.rejections).toEqual([]);
    const [artifact] = fake.artifacts;
    expect(fake.artifacts).toHaveLength(1);
    expect(artifact).toMatchObject({ name: 'model-validate', run: job(1).run, job: job(1).job, version: 7, mimeType: 'application/zip', finalized: true });
    expect(artifact.files).toEqual({ 'report.json': readFileSync(file, 'utf8') });
    expect(artifact.size).toBe(artifact.blob!.length);
    expect(artifact.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expectThirtyDays(artifact.expiresAt, before);
    expect(r.value).toBe(artifact.id);
    expect(r.stdout).toContain(`Uploaded report.json as artifact 'model-validate' (id ${artifact.id}).`);
  });

  it('sends the zip as Azure blob blocks and a block list, then finalizes; it never logs the runtime token', async () => {
    const file = reportFile('report.json', { verdict: 'fail' });
    const r = await inJob(job(1), () => uploadReport('model-validate', file));
    expect(fake.requests.map((q) => `${q.method} ${q.path.replace(/^\/twirp\/[^/]+\//, '')}${q.query.comp ? `?comp=${q.query.comp}` : ''}`)).toEqual([
      'POST CreateArtifact',
      `PUT /devstoreaccount1/actions-results/${RUN}/${fake.artifacts[0].id}.zip?comp=block`,
      `PUT /devstoreaccount1/actions-results/${RUN}/${fake.artifacts[0].id}.zip?comp=blocklist`,
      'POST FinalizeArtifact',
    ]);
    expect(r.token.split('.')).toHaveLength(3);
    expect(linesWith(r.stdout, r.token)).toEqual([]);
    expect(linesWith(r.stdout, r.token.split('.')[2])).toEqual([]);
  });

  it('refuses a second artifact of the same name in the run, so the caller hears of it', async () => {
    const file = reportFile('report.json', {});
    await inJob(job(1), () => uploadReport('model-validate', file));
    const again = await inJob(job(2), () => uploadReport('model-validate', file));
    expect(again.errors).toEqual([expect.stringMatching(/Failed to CreateArtifact: Received non-retryable error: Failed request: \(409\).*already exists/)]);
    expect(fake.finalized()).toHaveLength(1);
  });

  it('off a runner contacts nothing and says where the file stays, in the words of each action', async () => {
    const file = reportFile('report.json', {});
    const validate = await inJob(undefined, () => uploadReport('model-validate', file));
    expect(validate.failed).toBe(false);
    expect(validate.value).toBeUndefined();
    expect(validate.stdout).toContain(`Not on a GitHub runner (no artifact service): the report stays at ${file}.`);
    const monitor = await inJob(undefined, () => uploadMonitorReport(file, 'monitor-canary'));
    expect(monitor.stdout).toContain(`::notice::Report artifact not uploaded: not running on GitHub Actions (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset). The report is at ${file}.`);
    expect(fake.requests).toEqual([]);
  });

  it('with a runtime token but no results URL (or the reverse) it counts as off a runner and contacts nothing', async () => {
    const file = reportFile('report.json', {});
    const { ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL } = fake.env(job(1));
    for (const env of [{ ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL: '' }, { ACTIONS_RUNTIME_TOKEN: '', ACTIONS_RESULTS_URL }]) {
      let id: number | undefined;
      const step = await runInProcess(async () => void (id = await uploadReport('model-validate', file)), {}, { env });
      expect(step.failed).toBe(false);
      expect(id).toBeUndefined();
      expect(step.stdout).toContain(`Not on a GitHub runner (no artifact service): the report stays at ${file}.`);
    }
    expect(fake.requests).toEqual([]);
  });

  it("monitor-canary uploads its report the same way (30 days), and an upload failure is a warning, not a failed step", async () => {
    const file = reportFile('monitor-canary.json', { verdict: 'pass' });
    const before = Date.now();
    await inJob(job(1), () => uploadMonitorReport(file, 'monitor-canary'));
    expect(fake.finalized()).toEqual([expect.objectContaining({ name: 'monitor-canary', files: { 'monitor-canary.json': readFileSync(file, 'utf8') } })]);
    expectThirtyDays(fake.artifacts[0].expiresAt, before);
    const again = await inJob(job(1), () => uploadMonitorReport(file, 'monitor-canary'));
    expect(again.failed).toBe(false);
    expect(again.warnings).toEqual([expect.stringMatching(/^Could not upload the report artifact 'monitor-canary': Failed to CreateArtifact: .*\(409\)/)]);
  });
});

describe('downloading the artifacts of this run by name prefix', () => {
  it('finds only the artifacts with the prefix, from every job of the run, each into its own folder with the original contents', async () => {
    const shards = [1, 2, 3].map((i) => reportFile(`shard-${i}.json`, { shard: { index: i, count: 3 } }));
    for (const [i, file] of shards.entries()) await inJob(job(i + 1), () => uploadReport(`qa-shard-${i + 1}-of-3`, file));
    await inJob(job(1), () => uploadReport('qa', reportFile('report.json', { whole: true })));
    await inJob(job(1), () => uploadReport('other-shard-1-of-3', reportFile('report.json', { other: true })));
    await inJob({ run: 'another-run', job: 'x' }, () => uploadReport('qa-shard-9-of-9', reportFile('report.json', { elsewhere: true })));
    fake.requests.length = 0;

    const into = mkdtempSync(join(tmpdir(), 'merge-'));
    const r = await inJob(job(4), () => downloadReports('qa-shard-', into));
    expect(r.errors).toEqual([]);
    expect(fake.rejections).toEqual([]);
    expect(r.value).toEqual([1, 2, 3].map((i) => join(into, `qa-shard-${i}-of-3`)));
    expect(readdirSync(into).sort()).toEqual(['qa-shard-1-of-3', 'qa-shard-2-of-3', 'qa-shard-3-of-3']);
    for (const [i, file] of shards.entries()) {
      const folder = join(into, `qa-shard-${i + 1}-of-3`);
      expect(readdirSync(folder)).toEqual([`shard-${i + 1}.json`]);
      expect(readFileSync(join(folder, `shard-${i + 1}.json`), 'utf8')).toBe(readFileSync(file, 'utf8'));
    }
    // One listing, then per artifact: its listing by id, its signed URL (naming the job that uploaded it), the blob.
    const calls = fake.requests.map((q) => (q.path.startsWith('/twirp/') ? q.path.split('/').pop() : `${q.method} blob`));
    expect(calls).toEqual(['ListArtifacts', ...[1, 2, 3].flatMap(() => ['ListArtifacts', 'GetSignedArtifactURL', 'GET blob'])]);
    expect(fake.requests.filter((q) => q.path.endsWith('GetSignedArtifactURL')).map((q) => q.body)).toEqual(
      [1, 2, 3].map((i) => ({ workflow_run_backend_id: RUN, workflow_job_run_backend_id: job(i).job, name: `qa-shard-${i}-of-3` })),
    );
    expect(linesWith(r.stdout, r.token)).toEqual([]);
  });

  it('finds nothing when no artifact has the prefix', async () => {
    await inJob(job(1), () => uploadReport('qa', reportFile('report.json', {})));
    const r = await inJob(job(2), () => downloadArtifacts('qa-shard-', mkdtempSync(join(tmpdir(), 'merge-')), { offRunner: 'unused' }));
    expect(r.value).toEqual([]);
  });

  it('off a runner refuses with a clear message and contacts nothing', async () => {
    const r = await inJob(undefined, () => downloadReports('qa-shard-', tmpdir()));
    expect(r.errors).toEqual(['Shard reports can only be fetched from artifacts on a GitHub runner; pass `shard-reports` (a folder of report files) instead.']);
    expect(fake.requests).toEqual([]);
  });
});

describe('the fake artifact service', () => {
  it('answers 4xx to what it does not understand: an unknown method, a foreign token, another job\'s ids, a bare PUT', async () => {
    const { ACTIONS_RUNTIME_TOKEN: token } = fake.env(job(1));
    const post = (method: string, body: unknown, auth = `Bearer ${token}`) =>
      fetch(`${fake.url}/twirp/github.actions.results.api.v1.ArtifactService/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });
    const ids = { workflow_run_backend_id: job(1).run, workflow_job_run_backend_id: job(1).job };
    expect((await post('DeleteEverything', ids)).status).toBe(404);
    expect((await post('ListArtifacts', ids, 'Bearer not.a.token')).status).toBe(401);
    expect((await post('ListArtifacts', { ...ids, workflow_job_run_backend_id: job(2).job })).status).toBe(403);
    expect((await post('ListArtifacts', { ...ids, page: 2 })).status).toBe(400);
    expect((await post('CreateArtifact', { ...ids, name: 'a', version: 4 })).status).toBe(400);
    const created = (await (await post('CreateArtifact', { ...ids, name: 'a', version: 7, mime_type: 'application/zip' })).json()) as { signed_upload_url: string };
    expect((await fetch(created.signed_upload_url, { method: 'PUT', headers: { 'x-ms-version': '2025-01-05' }, body: 'zip' })).status).toBe(400);
    expect((await fetch(created.signed_upload_url.replace(/sig=[^&]+/, 'sig=forged'), { method: 'PUT', body: 'zip' })).status).toBe(403);
    expect((await post('FinalizeArtifact', { ...ids, name: 'a', size: '3' })).status).toBe(400);
    expect(fake.rejections.map((r) => r.split(' ')[0])).toEqual(['404', '401', '403', '400', '400', '400', '403', '400']);
  });

  it('reads zips strictly: a corrupted entry fails its CRC', async () => {
    const file = reportFile('report.json', { verdict: 'pass' });
    await inJob(job(1), () => uploadReport('model-validate', file));
    const zip = Buffer.from(fake.artifacts[0].blob!);
    expect(readZip(zip)).toEqual({ 'report.json': readFileSync(file, 'utf8') });
    const central = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE((zip.readUInt32LE(central + 16) + 1) >>> 0, central + 16);
    expect(() => readZip(zip)).toThrow(/CRC-32 mismatch/);
  });
});
