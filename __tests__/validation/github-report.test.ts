import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { publishCheckRun } from '../../shared/github/check-run.js';
import { createGitHubClient } from '../../shared/github/client.js';
import { pullRequestFromEvent, stickyMarker, upsertStickyComment } from '../../shared/github/pr-comment.js';
import { FakeGitHub } from '../support/fake-github.js';
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
