import { cutToLength } from '../text-limit.js';
import type { GitHubClient } from './client.js';

export type DeploymentState = 'success' | 'failure' | 'error' | 'inactive' | 'in_progress' | 'queued' | 'pending';

export interface DeploymentStatusRequest {
  owner: string;
  repo: string;
  environment: string;
  /** The commit deployed (GITHUB_SHA). */
  sha: string;
  state: DeploymentState;
  description: string;
  logUrl?: string;
}

/** GitHub's limit on a deployment's and a deployment status's description, in characters. */
const MAX_DESCRIPTION = 140;

/**
 * Sets a status on the GitHub deployment of `sha` to `environment`, creating the deployment when the
 * workflow has none yet (so the environment's page shows promotions and rollbacks). Returns its id.
 */
export async function reportDeploymentStatus(github: GitHubClient, r: DeploymentStatusRequest): Promise<number> {
  const { data: existing } = await github.rest.repos.listDeployments({ owner: r.owner, repo: r.repo, sha: r.sha, environment: r.environment, per_page: 1 });
  let id = existing[0]?.id;
  if (id === undefined) {
    const created = await github.rest.repos.createDeployment({
      owner: r.owner,
      repo: r.repo,
      ref: r.sha,
      environment: r.environment,
      auto_merge: false,
      required_contexts: [],
      description: cutToLength(r.description, MAX_DESCRIPTION),
    });
    if (!('id' in created.data)) throw new Error(`GitHub did not create a deployment for ${r.sha}: ${cutToLength(JSON.stringify(created.data), 200)}`);
    id = created.data.id;
  }
  await github.rest.repos.createDeploymentStatus({
    owner: r.owner,
    repo: r.repo,
    deployment_id: id,
    state: r.state,
    environment: r.environment,
    description: cutToLength(r.description, MAX_DESCRIPTION),
    ...(r.logUrl ? { log_url: r.logUrl } : {}),
  });
  return id;
}

/** Reports to the current repository and commit (GITHUB_REPOSITORY, GITHUB_SHA) with a token given as input. */
export async function reportForCurrentRun(token: string, environment: string, state: DeploymentState, description: string, logUrl?: string): Promise<number> {
  const { createGitHubClient, currentRepository } = await import('./client.js');
  const sha = process.env.GITHUB_SHA;
  if (!sha) throw new Error('GITHUB_SHA is not set; it is needed to report a deployment status.');
  const github = await createGitHubClient(token);
  return reportDeploymentStatus(github, { ...currentRepository(), environment, sha, state, description, logUrl });
}
