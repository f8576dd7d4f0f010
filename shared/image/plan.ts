import { ConfigurationError } from '../action/errors.js';
import type { BuildSpec, CacheMode } from './build-spec.js';
import type { GitContext } from './git-context.js';
import { imageMetadata } from './metadata.js';
import type { ImageReference } from './reference.js';

/** The typed inputs a build is planned from (parsed at the action's edge). */
export interface BuildRequest {
  context: string;
  file: string;
  target?: string;
  image: ImageReference;
  tags: string[];
  platforms: string[];
  push: boolean;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  cache: CacheMode;
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
