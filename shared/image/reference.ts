import { invalidInput } from '../errors.js';

/**
 * Image references as the distribution spec writes them: `host[:port]/path[:tag][@sha256:...]`.
 * A reference without a registry host means Docker Hub (`docker.io`, `library/` for one-part names).
 */
export interface ImageReference {
  /** Registry host as users write it (`ghcr.io`, `127.0.0.1:5000`, `docker.io`). */
  registry: string;
  /** Repository path inside the registry (`org/app`). */
  repository: string;
  tag?: string;
  digest?: string;
}

const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const TAG_EXPECTED = "a tag of letters, digits, '_', '.' and '-' (not starting with '.' or '-'), at most 128 characters";
export const REPOSITORY_EXPECTED = "a repository such as `ghcr.io/org/app`: an optional registry host, then lower-case path parts separated by '/'";

export class InvalidReferenceError extends Error {
  override name = 'InvalidReferenceError';
}

function splitRegistry(name: string): { registry: string; path: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { registry: first, path: name.slice(slash + 1) };
  }
  return { registry: 'docker.io', path: slash < 0 ? `library/${name}` : name };
}

/** Parses a full reference; throws InvalidReferenceError (callers turn it into an input error). */
export function parseImageReference(text: string): ImageReference {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError(`'${digest}' is not a sha256 digest`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(`'${tag}' is not a valid tag`);
  }
  const { registry, path } = splitRegistry(rest);
  if (!DOMAIN.test(registry)) throw new InvalidReferenceError(`'${registry}' is not a registry host`);
  if (path.length === 0 || path.length > 255 || !path.split('/').every((p) => PATH_COMPONENT.test(p))) {
    throw new InvalidReferenceError(`'${path}' is not a repository path (lower-case letters, digits, '.', '_', '-' separated by '/')`);
  }
  return { registry, repository: path, tag, digest };
}

/** `host/repo` as users write it (Docker Hub names keep their short form only when given short). */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The host serving the registry API (Docker Hub's API lives on another name than its images). */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/** Loopback registries are spoken to over plain HTTP, as Docker and buildah do for localhost. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A tag name from an input; the error names the input and the allowed characters. */
export function parseTag(value: string, input: string): string {
  const v = value.trim();
  if (!TAG.test(v)) throw invalidInput(input, value, TAG_EXPECTED);
  return v;
}

/** A repository (no tag, no digest) from an input, e.g. `image: ghcr.io/org/app`. */
export function parseRepository(value: string, input: string): ImageReference {
  let ref: ImageReference;
  try {
    ref = parseImageReference(value);
  } catch (error) {
    throw invalidInput(input, value, `${REPOSITORY_EXPECTED} (${(error as Error).message})`);
  }
  if (ref.tag || ref.digest) throw invalidInput(input, value, `${REPOSITORY_EXPECTED}, without a tag or digest (tags go in \`tags\`)`);
  return ref;
}

/** A full image reference with a tag or a digest from an input, e.g. `ghcr.io/org/app@sha256:...`. */
export function parseImageInput(value: string, input: string): ImageReference {
  const expected = 'an image reference with a tag or digest, such as `ghcr.io/org/app:1.2.3` or `ghcr.io/org/app@sha256:<64 hex>`';
  try {
    const ref = parseImageReference(value);
    if (ref.tag || ref.digest) return ref;
  } catch (error) {
    throw invalidInput(input, value, `${expected} (${(error as Error).message})`);
  }
  throw invalidInput(input, value, expected);
}
