import { existsSync, readFileSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { workspacePath } from '../../shared/action/workspace.js';
import { ConfigurationError, invalidInput } from '../../shared/action/errors.js';
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


function contextInput(): string {
  const value = optionalInput('context') ?? '.';
  const path = workspacePath(value);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw invalidInput('context', value, `a folder to build from (${path} is not one)`);
  return path;
}

function fileInput(context: string): string {
  const value = optionalInput('file');
  // Joined as a string, not with path.resolve: ncc reads resolve(x, 'Dockerfile') as an asset to bundle.
  const path = value === undefined ? `${context}${sep}Dockerfile` : workspacePath(value);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw value === undefined
      ? new ConfigurationError(`No Dockerfile at ${path}: set \`file\` to the Dockerfile, or \`context\` to the folder holding one.`)
      : invalidInput('file', value, `a Dockerfile that exists (there is no file at ${path})`);
  }
  return path;
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
    credentials: credentialsInput(),
    git: gitContextFromEnv(),
  };
}
