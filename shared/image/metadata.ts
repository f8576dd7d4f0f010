import semver from 'semver';
import { classifyRef, type GitContext } from './git-context.js';

/** Tags and OCI labels for one build, in the spirit of docker/metadata-action. */
export interface ImageMetadata {
  /** Tag names (not full references), most specific first; the first is the version. */
  tags: string[];
  /** `org.opencontainers.image.version`: the semantic version of a release tag, else the first tag. */
  version?: string;
  labels: Record<string, string>;
}

/** A git ref name as a tag: characters a tag cannot hold become '-', at most 128 characters. */
export function refToTag(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '').slice(0, 128);
}

/** `v1.2.3` -> 1.2.3, 1.2, 1; a pre-release gets only its full version; major 0 gets no bare `0`. */
export function semverTags(tagName: string): string[] | undefined {
  const parsed = /^v?\d/.test(tagName) ? semver.parse(tagName.replace(/^v/, '')) : null;
  if (!parsed) return undefined;
  if (parsed.prerelease.length > 0) return [parsed.version];
  const tags = [parsed.version, `${parsed.major}.${parsed.minor}`];
  if (parsed.major > 0) tags.push(String(parsed.major));
  return tags;
}

function gitTags(git: GitContext): { tags: string[]; version?: string } {
  const tags: string[] = [];
  let version: string | undefined;
  if (git.ref) {
    const ref = classifyRef(git.ref);
    if (ref.kind === 'pull-request') tags.push(`pr-${ref.number}`);
    else if (ref.kind === 'branch' && refToTag(ref.name)) tags.push(refToTag(ref.name));
    else if (ref.kind === 'tag') {
      const versions = semverTags(ref.name);
      if (versions) {
        version = versions[0];
        tags.push(...versions);
      } else if (refToTag(ref.name)) tags.push(refToTag(ref.name));
    }
  }
  if (git.sha) tags.push(`sha-${git.sha.slice(0, 7)}`);
  return { tags, version: version ?? tags[0] };
}

export function imageMetadata(
  git: GitContext,
  userTags: readonly string[],
  userLabels: Readonly<Record<string, string>>,
  now: Date,
): ImageMetadata {
  const fromGit = gitTags(git);
  const tags = [...new Set([...fromGit.tags, ...userTags])];
  const version = fromGit.version ?? tags[0];
  const labels: Record<string, string> = {};
  if (git.repository) labels['org.opencontainers.image.source'] = `${git.serverUrl.replace(/\/$/, '')}/${git.repository}`;
  if (git.sha) labels['org.opencontainers.image.revision'] = git.sha;
  labels['org.opencontainers.image.created'] = now.toISOString();
  if (version) labels['org.opencontainers.image.version'] = version;
  return { tags, version, labels: { ...labels, ...userLabels } };
}
