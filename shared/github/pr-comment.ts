import { readFileSync } from 'node:fs';
import { cutToLength } from '../text-limit.js';
import type { GitHubClient } from './client.js';

/** The pull request a workflow runs for, from the event payload; undefined outside pull requests. */
export function pullRequestFromEvent(eventPath = process.env.GITHUB_EVENT_PATH): { number: number; headSha: string } | undefined {
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(readFileSync(eventPath, 'utf8')) as { pull_request?: { number?: number; head?: { sha?: string } } };
    const pr = event.pull_request;
    if (typeof pr?.number !== 'number') return undefined;
    return { number: pr.number, headSha: pr.head?.sha ?? process.env.GITHUB_SHA ?? '' };
  } catch {
    return undefined;
  }
}

/** The hidden line that marks a comment as ours, so a re-run edits it instead of adding another. */
export const stickyMarker = (key: string) => `<!-- ai-deploy:${key} -->`;

/**
 * Creates the PR comment carrying `marker`, or updates it in place when one exists (found among the
 * issue's comments, page by page). Returns the comment id and whether it was created.
 */
export async function upsertStickyComment(
  github: GitHubClient,
  target: { owner: string; repo: string; issueNumber: number },
  marker: string,
  body: string,
): Promise<{ id: number; created: boolean }> {
  // GitHub refuses comments over 65,536 characters.
  const text = `${marker}\n${cutToLength(body, 65_000, { mark: '\n\n…(cut; the full report is in the artifact)' })}`;
  const { owner, repo, issueNumber } = target;
  for await (const page of github.paginate.iterator(github.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 })) {
    const mine = page.data.find((c) => c.body?.includes(marker));
    if (mine) {
      await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
      return { id: mine.id, created: false };
    }
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: text });
  return { id: created.data.id, created: true };
}
