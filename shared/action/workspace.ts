import { realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ConfigurationError, quote } from '../errors.js';

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

/** The runner's temporary folder: RUNNER_TEMP, else (outside a runner) the system's. */
export function runnerTempDir(): string {
  return process.env.RUNNER_TEMP || tmpdir();
}

/** A path from an input, resolved against the workspace unless it is absolute. */
export function workspacePath(path: string): string {
  return isAbsolute(path) ? path : resolve(workspaceDir(), path);
}

/** What a confined path must be, checked with the same error naming the input. */
export type PathKind = 'file' | 'folder' | 'file-or-folder' | 'new';

export interface ConfineOptions {
  /** `file`/`folder`: must exist as one; `new`: may be missing (a folder to create). Default `file-or-folder`. */
  kind?: PathKind;
  /** Relative paths start here (default: the workspace), e.g. the suite file's folder for a `custom` module. */
  base?: string;
  /** What the error calls the source, when it is not an input (e.g. "Case `x` (suite.yml line 4): `custom`"). */
  where?: string;
}

/** realpath of the longest existing prefix, with the missing rest appended (a folder yet to be created). */
function realpathAllowingMissing(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    const parent = dirname(path);
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw error;
    return join(realpathAllowingMissing(parent), basename(path));
  }
}

function realRoot(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * A path from an input or a suite file, refused unless it resolves, symlinks followed, inside the workspace
 * (GITHUB_WORKSPACE) or the runner's temporary folder (RUNNER_TEMP). Checked before the file is opened: a path
 * taken from a pull request cannot make the action read (and print) files of the runner. The error names the
 * input and both roots, never the file's contents. Returns the real path.
 */
export function confinedPath(input: string, value: string, options: ConfineOptions = {}): string {
  const { kind = 'file-or-folder', base = workspaceDir() } = options;
  const where = options.where ?? `Invalid \`${input}\``;
  const workspace = realRoot(workspaceDir());
  const temp = realRoot(runnerTempDir());
  const path = isAbsolute(value) ? value : resolve(base, value);
  let real: string;
  try {
    real = realpathAllowingMissing(path);
  } catch (error) {
    throw new ConfigurationError(`${where}: ${quote(value)} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'}). Expected a path inside the workspace (${workspace}) or the runner's temporary folder (${temp}).`);
  }
  if (!inside(workspace, real) && !inside(temp, real)) {
    const via = real === path ? '' : ` (it resolves to ${real})`;
    throw new ConfigurationError(`${where}: ${quote(value)}${via} is outside the workspace (${workspace}) and the runner's temporary folder (${temp}). Expected a path inside one of them.`);
  }
  if (kind === 'new') return real;
  let stats;
  try {
    stats = statSync(real);
  } catch {
    const what = kind === 'folder' ? 'a folder' : kind === 'file' ? 'a file' : 'a file or folder';
    throw new ConfigurationError(`${where}: ${quote(value)} does not exist (looked for ${real}). Expected ${what} that exists.`);
  }
  if (kind === 'folder' && !stats.isDirectory()) throw new ConfigurationError(`${where}: ${quote(value)} is not a folder (${real}). Expected a folder.`);
  if (kind === 'file' && !stats.isFile()) throw new ConfigurationError(`${where}: ${quote(value)} is not a file (${real}). Expected a file.`);
  return real;
}
