/** What the runner tells a step about the commit being built (the GITHUB_* variables). */
export interface GitContext {
  /** Full commit SHA (`GITHUB_SHA`). */
  sha?: string;
  /** Full ref (`GITHUB_REF`): `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/12/merge`. */
  ref?: string;
  /** `GITHUB_SERVER_URL`, e.g. `https://github.com`. */
  serverUrl: string;
  /** `GITHUB_REPOSITORY`, `owner/name`. */
  repository?: string;
}

export function gitContextFromEnv(env: NodeJS.ProcessEnv = process.env): GitContext {
  const value = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  return {
    sha: value('GITHUB_SHA'),
    ref: value('GITHUB_REF'),
    serverUrl: value('GITHUB_SERVER_URL') ?? 'https://github.com',
    repository: value('GITHUB_REPOSITORY'),
  };
}

export type GitRef =
  | { kind: 'branch'; name: string }
  | { kind: 'tag'; name: string }
  | { kind: 'pull-request'; number: number }
  | { kind: 'other'; name: string };

export function classifyRef(ref: string): GitRef {
  const pr = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(ref);
  if (pr) return { kind: 'pull-request', number: Number(pr[1]) };
  if (ref.startsWith('refs/heads/')) return { kind: 'branch', name: ref.slice('refs/heads/'.length) };
  if (ref.startsWith('refs/tags/')) return { kind: 'tag', name: ref.slice('refs/tags/'.length) };
  return { kind: 'other', name: ref };
}
