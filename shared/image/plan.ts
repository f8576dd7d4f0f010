import { ConfigurationError } from '../errors.js';
import type { BuildSpec } from './build-spec.js';
import type { GitContext } from './git-context.js';
import { imageMetadata } from './metadata.js';

/**
 * The typed inputs a build is planned from (parsed at the action's edge): a spec whose `tags` and
 * `labels` are still only the user's, plus the git metadata the rest are derived from.
 */
export interface BuildRequest extends BuildSpec {
  git: GitContext;
}

/** Tags and labels from git metadata plus the user's, and the spec a builder runs. */
export function planBuild(request: BuildRequest, now: Date): BuildSpec & { version?: string } {
  const metadata = imageMetadata(request.git, request.tags, request.labels, now);
  if (metadata.tags.length === 0) {
    throw new ConfigurationError('No tag to give the image: `tags` is empty and no GITHUB_SHA or GITHUB_REF was found to derive one. Set `tags`.');
  }
  const { context, file, target, image, platforms, push, buildArgs, cache } = request;
  return { context, file, target, image, tags: metadata.tags, platforms, push, buildArgs, labels: metadata.labels, cache, version: metadata.version };
}
