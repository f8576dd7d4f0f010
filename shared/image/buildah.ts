import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildEnvironment, BuildResult, BuildSpec, ImageBuilder } from './build-spec.js';
import { type Command, runCommand, runOrFail } from './command.js';
import { writeAuthFile } from './credentials.js';
import { repositoryName } from './reference.js';
import { retagImage } from './retag.js';

export interface BuildahOptions {
  /** Path of a containers-auth.json holding the registry's credentials. */
  authFile?: string;
  plainHttp: boolean;
}

function registryArgs(options: BuildahOptions): string[] {
  return [...(options.plainHttp ? ['--tls-verify=false'] : []), ...(options.authFile ? ['--authfile', options.authFile] : [])];
}

/** The name the build is stored under locally: the first tag's full reference. */
export function localName(spec: BuildSpec): string {
  return `${repositoryName(spec.image)}:${spec.tags[0]}`;
}

export function isMultiPlatform(spec: BuildSpec): boolean {
  return spec.platforms.length > 1;
}

/** `buildah bud ...`: one image tagged with every tag, or a manifest list for several platforms. */
export function buildahBudCommand(spec: BuildSpec, options: BuildahOptions): Command {
  const args = ['bud', '--file', spec.file];
  if (spec.target) args.push('--target', spec.target);
  if (spec.platforms.length > 0) args.push('--platform', spec.platforms.join(','));
  for (const [key, value] of Object.entries(spec.buildArgs)) args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.labels)) args.push('--label', `${key}=${value}`);
  if (isMultiPlatform(spec)) args.push('--manifest', localName(spec));
  else for (const tag of spec.tags) args.push('--tag', `${repositoryName(spec.image)}:${tag}`);
  if (spec.cache === 'registry') {
    const cacheRepo = `${repositoryName(spec.image)}-buildcache`;
    args.push('--layers', '--cache-from', cacheRepo, ...(spec.push ? ['--cache-to', cacheRepo] : []));
  }
  args.push(...registryArgs(options), spec.context);
  return { command: 'buildah', args };
}

/** Pushes the first tag (the whole manifest list for several platforms) and writes its digest. */
export function buildahPushCommand(spec: BuildSpec, options: BuildahOptions, digestFile: string): Command {
  const name = localName(spec);
  const head = isMultiPlatform(spec) ? ['manifest', 'push', '--all'] : ['push'];
  return { command: 'buildah', args: [...head, ...registryArgs(options), '--digestfile', digestFile, name, `docker://${name}`] };
}

/**
 * A daemonless build with buildah, for runners without Docker. It pushes once and gives the other
 * tags registry-side, so every tag names the very same digest.
 */
export class BuildahBuilder implements ImageBuilder {
  readonly name = 'buildah';

  async build(spec: BuildSpec, env: BuildEnvironment): Promise<BuildResult> {
    if (spec.cache === 'gha') env.warn('`cache: gha` needs buildx; buildah builds without a cache.');
    const auth = env.credentials ? await writeAuthFile(spec.image.registry, env.credentials, env.workDir) : undefined;
    try {
      const options = { authFile: auth?.path, plainHttp: env.plainHttp };
      // A manifest list with this name from an earlier run would collect this run's images too.
      if (isMultiPlatform(spec)) await runCommand({ command: 'buildah', args: ['manifest', 'rm', localName(spec)] }, { silent: true });
      await runOrFail(buildahBudCommand(spec, options), 'buildah bud');
      if (!spec.push) return {};
      const digestFile = join(env.workDir, 'buildah-digest.txt');
      await runOrFail(buildahPushCommand(spec, options, digestFile), `buildah push of ${localName(spec)}`);
      const digest = (await readFile(digestFile, 'utf8')).trim();
      for (const tag of spec.tags.slice(1)) {
        await retagImage({ source: `${repositoryName(spec.image)}@${digest}`, tag, client: env.registry });
      }
      return { digest };
    } finally {
      await auth?.remove();
    }
  }
}
