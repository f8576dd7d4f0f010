import { maskSecret } from '../action/secrets.js';

/** The REST API version these calls were written and checked against. */
export const GITHUB_API_VERSION = '2022-11-28';

export type GitHubClient = Awaited<ReturnType<typeof createGitHubClient>>;

/**
 * An Octokit for the given token, loaded lazily (it costs about 100 ms at start). Honours
 * `GITHUB_API_URL`, so GitHub Enterprise and the tests' fake API server both work.
 */
export async function createGitHubClient(token: string) {
  maskSecret(token);
  const { getOctokit } = await import('@actions/github');
  const github = getOctokit(token, { baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com' });
  // GitHub asks API clients to name the REST version they were written against.
  github.hook.before('request', (options) => {
    options.headers['x-github-api-version'] = GITHUB_API_VERSION;
  });
  return github;
}

/** `owner/repo` of the running workflow, from `GITHUB_REPOSITORY`. */
export function currentRepository(): { owner: string; repo: string } {
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set; it is needed to report to GitHub.');
  return { owner, repo };
}
