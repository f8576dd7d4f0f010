import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildEnvironment, BuildResult, BuildSpec, ImageBuilder } from './build-spec.js';
import { type Command, runCommand, runOrFail } from './command.js';
import { repositoryName } from './reference.js';

function cacheArgs(spec: BuildSpec): string[] {
  if (spec.cache === 'gha') return ['--cache-from', 'type=gha', ...(spec.push ? ['--cache-to', 'type=gha,mode=max'] : [])];
  if (spec.cache === 'registry') {
    const ref = `${repositoryName(spec.image)}:buildcache`;
    // A build that does not push leaves the registry alone, its cache included.
    return ['--cache-from', `type=registry,ref=${ref}`, ...(spec.push ? ['--cache-to', `type=registry,ref=${ref},mode=max`] : [])];
  }
  return [];
}

/** `docker buildx build ...` for a spec; the digest comes back in `metadataFile`. */
export function buildxCommand(spec: BuildSpec, metadataFile: string): Command {
  const args = ['buildx', 'build', '--file', spec.file];
  if (spec.target) args.push('--target', spec.target);
  if (spec.platforms.length > 0) args.push('--platform', spec.platforms.join(','));
  for (const [key, value] of Object.entries(spec.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.labels)) args.push('--label', `${key}=${value}`);
  for (const tag of spec.tags) args.push('--tag', `${repositoryName(spec.image)}:${tag}`);
  args.push(...cacheArgs(spec));
  // Without push, a single-platform image is loaded into the daemon; a multi-platform one cannot be.
  if (spec.push) args.push('--push');
  else if (spec.platforms.length <= 1) args.push('--load');
  args.push('--metadata-file', metadataFile, spec.context);
  return { command: 'docker', args };
}

/** `docker login` with the password on stdin, never on the command line. */
export function dockerLoginCommand(registry: string, username: string, password: string): Command {
  return { command: 'docker', args: ['login', '--username', username, '--password-stdin', registry], input: password };
}

/** `docker logout`: the login's credentials leave the runner's Docker config; a failure is not the build's. */
export async function dockerLogout(registry: string): Promise<void> {
  await runCommand({ command: 'docker', args: ['logout', registry] }, { silent: true }).catch(() => undefined);
}

/** BuildKit through the Docker CLI: what GitHub-hosted runners have. */
export class BuildxBuilder implements ImageBuilder {
  readonly name = 'buildx';

  async build(spec: BuildSpec, env: BuildEnvironment): Promise<BuildResult> {
    const login = spec.push && env.credentials !== undefined;
    if (login) {
      const { username, password } = env.credentials!;
      await runOrFail(dockerLoginCommand(spec.image.registry, username, password), `docker login to ${spec.image.registry}`);
    }
    try {
      const metadataFile = join(env.workDir, 'buildx-metadata.json');
      await runOrFail(buildxCommand(spec, metadataFile), 'docker buildx build');
      if (!spec.push) return {};
      const metadata = JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>;
      const digest = metadata['containerimage.digest'];
      if (typeof digest !== 'string') throw new Error(`docker buildx build pushed, but its metadata file holds no digest (${metadataFile}).`);
      return { digest };
    } finally {
      if (login && env.logoutAfter) await dockerLogout(spec.image.registry);
    }
  }
}
