import { isAbsolute, resolve } from 'node:path';

/**
 * The folder a workflow's relative paths start from: GITHUB_WORKSPACE, else the working directory.
 * `process.cwd` is read through a variable on purpose: ncc's asset relocator rewrites a literal
 * `resolve(process.cwd(), ...)` at bundle time into a path on the build machine, and copies any file it
 * finds there into dist/.
 */
export function workspaceDir(): string {
  const cwd = process['cwd'];
  return process.env.GITHUB_WORKSPACE || cwd();
}

/** A path from an input, resolved against the workspace unless it is absolute. */
export function workspacePath(path: string): string {
  return isAbsolute(path) ? path : resolve(workspaceDir(), path);
}
