import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { publishCheckRun } from '../../shared/github/check-run.js';
import { createGitHubClient, GITHUB_API_VERSION } from '../../shared/github/client.js';
import { reportDeploymentStatus } from '../../shared/github/deployment-status.js';
import { pullRequestFromEvent, stickyMarker, upsertStickyComment } from '../../shared/github/pr-comment.js';
import { FakeGitHub, SUPPORTED_API_VERSIONS } from '../support/fake-github.js';
import { folderWith } from './fixtures.js';

const fake = new FakeGitHub();
beforeAll(async () => {
  await fake.start();
  process.env.GITHUB_API_URL = fake.url;
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.requests.length = 0;
});

describe('check run', () => {
  it('sends one annotation per failing case, 50 per request, the rest appended by updates', async () => {
    fake.on('POST', '/repos/o/r/check-runs', { status: 201, body: { id: 55 } }).on('PATCH', '/repos/o/r/check-runs/55', { status: 200, body: { id: 55 } });
    const annotations = Array.from({ length: 120 }, (_, i) => ({ path: 'suites/qa.yaml', line: i + 1, title: `Case c${i}`, message: 'contains: missing' }));
    const github = await createGitHubClient('t0ken-abc');
    const id = await publishCheckRun(github, { owner: 'o', repo: 'r', name: 'model-validate', headSha: 'sha1', conclusion: 'failure', title: 'fail', summary: 'x'.repeat(70_000), annotations });
    expect(id).toBe(55);
    const [created] = fake.received('POST', '/repos/o/r/check-runs');
    const body = created.body as { output: { annotations: { start_line: number; path: string }[]; summary: string }; conclusion: string; head_sha: string };
    expect(body).toMatchObject({ conclusion: 'failure', head_sha: 'sha1' });
    expect(body.output.annotations).toHaveLength(50);
    expect(body.output.annotations[0]).toEqual({ path: 'suites/qa.yaml', start_line: 1, end_line: 1, annotation_level: 'failure', title: 'Case c0', message: 'contains: missing' });
    expect(body.output.summary.length).toBeLessThanOrEqual(65_535);
    const updates = fake.received('PATCH', '/repos/o/r/check-runs/55').map((r) => (r.body as { output: { annotations: { start_line: number }[] } }).output.annotations);
    expect(updates.map((a) => a.length)).toEqual([50, 20]);
    expect(updates[1].at(-1)!.start_line).toBe(120);
    expect(created.headers.authorization).toBe('token t0ken-abc');
  });
});

describe('sticky PR comment', () => {
  it('creates the comment once, then finds it among others by its hidden marker and edits it in place', async () => {
    const marker = stickyMarker('model-validate:qa');
    const comments: { id: number; body: string }[] = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, body: `someone else ${i}` }));
    fake
      .on('GET', '/repos/o/r/issues/3/comments', () => ({ status: 200, body: comments }))
      .on('POST', '/repos/o/r/issues/3/comments', (r) => {
        const c = { id: 999, body: (r.body as { body: string }).body };
        comments.push(c);
        return { status: 201, body: c };
      })
      .on('PATCH', '/repos/o/r/issues/comments/999', (r) => ({ status: 200, body: { id: 999, body: (r.body as { body: string }).body } }));
    const github = await createGitHubClient('t0ken-abc');
    const target = { owner: 'o', repo: 'r', issueNumber: 3 };
    expect(await upsertStickyComment(github, target, marker, 'first')).toEqual({ id: 999, created: true });
    expect(comments.at(-1)!.body).toBe(`${marker}\nfirst`);
    expect(await upsertStickyComment(github, target, marker, 'second')).toEqual({ id: 999, created: false });
    expect(fake.received('POST', '/repos/o/r/issues/3/comments')).toHaveLength(1);
    expect(fake.received('PATCH', '/repos/o/r/issues/comments/999').map((r) => r.body)).toEqual([{ body: `${marker}\nsecond` }]);
  });

  it('reads the pull request and its head from the event payload, and nothing outside pull requests', () => {
    const f = folderWith({ 'pr.json': JSON.stringify({ pull_request: { number: 12, head: { sha: 'feed' } } }), 'push.json': JSON.stringify({ ref: 'refs/heads/main' }) });
    expect(pullRequestFromEvent(f.path('pr.json'))).toEqual({ number: 12, headSha: 'feed' });
    expect(pullRequestFromEvent(f.path('push.json'))).toBeUndefined();
    expect(pullRequestFromEvent(undefined)).toBeUndefined();
  });
});

const LONE_SURROGATE = /\p{Cs}/u;

describe('what is sent to GitHub', () => {
  it('cuts emoji and multi-byte text at character boundaries, and annotation messages to 64 KB in bytes, which GitHub accepts', async () => {
    fake.on('POST', '/repos/o/r/check-runs', { status: 201, body: { id: 56 } });
    const github = await createGitHubClient('t0ken-abc');
    await publishCheckRun(github, {
      owner: 'o',
      repo: 'r',
      name: 'model-validate',
      headSha: 'sha1',
      conclusion: 'failure',
      title: `x${'👍🏽'.repeat(100)}`,
      summary: `x${'😀'.repeat(40_000)}`,
      annotations: [{ path: 'qa.yaml', line: 3, title: `y${'😀'.repeat(200)}`, message: `z${'日本語'.repeat(30_000)}` }],
    });
    const [created] = fake.received('POST', '/repos/o/r/check-runs');
    const output = (created.body as { output: { title: string; summary: string; annotations: { title: string; message: string }[] } }).output;
    const [annotation] = output.annotations;
    for (const text of [output.title, output.summary, annotation.title, annotation.message]) expect(LONE_SURROGATE.test(text)).toBe(false);
    expect(output.title).toBe(`x${'👍🏽'.repeat(63)}…`);
    // 65,535 less the 8 of the mark leaves 65,527: the `x` and 32,763 whole emoji (65,527 units).
    expect(output.summary === `x${'😀'.repeat(32_763)}\n\n…(cut)`).toBe(true);
    expect(Buffer.byteLength(annotation.message)).toBeLessThanOrEqual(64_000);
    expect(annotation.message).toMatch(/^z(日本語)+(日|日本)?…$/);
    expect(fake.requests.map((r) => r.headers['x-github-api-version'])).toEqual([GITHUB_API_VERSION]);
  });

  it('cuts a PR comment and a deployment description at character boundaries within GitHub\'s limits', async () => {
    fake
      .on('GET', '/repos/o/r/issues/4/comments', { status: 200, body: [] })
      .on('POST', '/repos/o/r/issues/4/comments', (r) => ({ status: 201, body: { id: 7, ...(r.body as object) } }))
      .on('GET', '/repos/o/r/deployments', { status: 200, body: [] })
      .on('POST', '/repos/o/r/deployments', { status: 201, body: { id: 8 } })
      .on('POST', '/repos/o/r/deployments/8/statuses', { status: 201, body: { id: 9 } });
    const github = await createGitHubClient('t0ken-abc');
    await upsertStickyComment(github, { owner: 'o', repo: 'r', issueNumber: 4 }, stickyMarker('k'), `a${'🚀'.repeat(40_000)}`);
    await reportDeploymentStatus(github, { owner: 'o', repo: 'r', environment: 'production', sha: 'abc', state: 'success', description: `b${'🚀'.repeat(100)}` });
    const comment = (fake.received('POST', '/repos/o/r/issues/4/comments')[0].body as { body: string }).body;
    expect(LONE_SURROGATE.test(comment)).toBe(false);
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expect(comment.endsWith('🚀\n\n…(cut; the full report is in the artifact)')).toBe(true);
    const descriptions = [...fake.received('POST', '/repos/o/r/deployments'), ...fake.received('POST', '/repos/o/r/deployments/8/statuses')].map((r) => (r.body as { description: string }).description);
    expect(descriptions).toEqual([`b${'🚀'.repeat(69)}…`, `b${'🚀'.repeat(69)}…`]);
    expect(fake.requests.every((r) => r.headers['x-github-api-version'] === GITHUB_API_VERSION)).toBe(true);
    expect(fake.requests).toHaveLength(5);
  });

  it('the fake GitHub refuses a request without a supported API version, and text GitHub would refuse', async () => {
    fake.on('POST', '/repos/o/r/issues/5/comments', { status: 201, body: { id: 1 } });
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${fake.url}/repos/o/r/issues/5/comments`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const version = { 'x-github-api-version': SUPPORTED_API_VERSIONS[0] };
    expect((await post({}, '{"body":"hi"}')).status).toBe(400);
    expect((await post({ 'x-github-api-version': '2099-01-01' }, '{"body":"hi"}')).status).toBe(400);
    expect((await post(version, '{"body":"\\ud83d cut"}')).status).toBe(422);
    expect((await post(version, JSON.stringify({ body: 'x'.repeat(65_537) }))).status).toBe(422);
    expect((await post(version, '{"body":"hi 😀"}')).status).toBe(201);
  });
});
