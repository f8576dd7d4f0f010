import { maskSecret } from '../action/secrets.js';

export type GitHubClient = Awaited<ReturnType<typeof createGitHubClient>>;

/**
 * An Octokit for the given token, loaded lazily (it costs about 100 ms at start). Honours
 * `GITHUB_API_URL`, so GitHub Enterprise and the tests' fake API server both work.
 */
export async function createGitHubClient(token: string) {
  maskSecret(token);
  const { getOctokit } = await import('@actions/github');
  return getOctokit(token, { baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com' });
}

/** `owner/repo` of the running workflow, from `GITHUB_REPOSITORY`. */
export function currentRepository(): { owner: string; repo: string } {
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set; it is needed to report to GitHub.');
  return { owner, repo };
}
