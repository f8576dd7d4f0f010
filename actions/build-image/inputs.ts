import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { confinedPath } from '../../shared/action/workspace.js';
import { ConfigurationError, invalidInput } from '../../shared/errors.js';
import { booleanInput, choiceInput, keyValueInput, listInput, optionalInput, requiredInput } from '../../shared/action/inputs.js';
import { maskSecret } from '../../shared/action/secrets.js';
import type { CacheMode } from '../../shared/image/build-spec.js';
import type { Credentials } from '../../shared/image/credentials.js';
import { gitContextFromEnv, type GitContext } from '../../shared/image/git-context.js';
import { parsePlatform } from '../../shared/image/platform.js';
import { parseRepository, parseTag, type ImageReference } from '../../shared/image/reference.js';
import { parseSeverity, type Severity } from '../../shared/image/scan.js';

export interface Inputs {
  context: string;
  file: string;
  target?: string;
  image: ImageReference;
  tags: string[];
  platforms: string[];
  push: boolean;
  'build-args': Record<string, string>;
  labels: Record<string, string>;
  cache: CacheMode;
  builder: 'auto' | 'buildx' | 'buildah';
  scan?: Severity;
  /** From `registry-username`/`registry-password`, else REGISTRY_USERNAME/REGISTRY_PASSWORD. */
  credentials?: Credentials;
  /** The commit being built, as the runner describes it (GITHUB_* variables). */
  git: GitContext;
}

const STAGE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;


/** The build context: a folder inside the workspace or RUNNER_TEMP (buildah and buildx read all of it). */
function contextInput(): string {
  return confinedPath('context', optionalInput('context') ?? '.', { kind: 'folder' });
}

/** The Dockerfile, confined like the context: a symlinked `Dockerfile` pointing out of the workspace is refused too. */
function fileInput(context: string): string {
  const value = optionalInput('file');
  if (value !== undefined) return confinedPath('file', value, { kind: 'file' });
  // Joined as a string, not with path.resolve: ncc reads resolve(x, 'Dockerfile') as an asset to bundle.
  const path = `${context}${sep}Dockerfile`;
  try {
    return confinedPath('file', path, { kind: 'file' });
  } catch (error) {
    if (!(error instanceof ConfigurationError) || !/does not exist|is not a file/.test(error.message)) throw error;
    throw new ConfigurationError(`No Dockerfile at ${path}: set \`file\` to the Dockerfile, or \`context\` to the folder holding one.`);
  }
}

function targetInput(file: string): string | undefined {
  const value = optionalInput('target');
  if (value === undefined) return undefined;
  const stages = [...readFileSync(file, 'utf8').matchAll(/^\s*FROM\s+.+?\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]);
  if (!STAGE.test(value) || !stages.some((s) => s.toLowerCase() === value.toLowerCase())) {
    throw invalidInput('target', value, `a build stage of ${file}: ${stages.length ? stages.map((s) => `\`${s}\``).join(', ') : 'it names none (`FROM ... AS <stage>`)'}`);
  }
  return value;
}

function credentialsInput(): Credentials | undefined {
  const username = optionalInput('registry-username') ?? process.env.REGISTRY_USERNAME?.trim();
  const password = optionalInput('registry-password') ?? process.env.REGISTRY_PASSWORD;
  maskSecret(password);
  if (!username && !password) return undefined;
  if (!username || !password) {
    throw new ConfigurationError('`registry-username` and `registry-password` (or REGISTRY_USERNAME and REGISTRY_PASSWORD) go together: one was given without the other.');
  }
  return { username, password };
}

export function getInputs(): Inputs {
  // Masked before any other input is read, so no error about another input can print it.
  const credentials = credentialsInput();
  const image = parseRepository(requiredInput('image'), 'image');
  const context = contextInput();
  const file = fileInput(context);
  return {
    context,
    file,
    target: targetInput(file),
    image,
    tags: listInput('tags').map((t) => parseTag(t, 'tags')),
    platforms: listInput('platforms').map((p) => parsePlatform(p, 'platforms')),
    push: booleanInput('push', true),
    'build-args': keyValueInput('build-args'),
    labels: keyValueInput('labels'),
    cache: choiceInput('cache', ['gha', 'registry', 'none'] as const, 'none'),
    builder: choiceInput('builder', ['auto', 'buildx', 'buildah'] as const, 'auto'),
    scan: parseSeverity(optionalInput('scan')),
    credentials,
    git: gitContextFromEnv(),
  };
}
