import type { BuildSpec } from './build-spec.js';
import { describeImage, type ImageDetails } from './describe.js';
import { repositoryName } from './reference.js';
import { RegistryAuthError } from './registry-auth.js';
import type { RegistryClient } from './registry-client.js';

export interface PushedImage {
  /** `host/repo@sha256:...`. */
  image: string;
  digest: string;
  /** Size and layers read from the registry; undefined when the registry could not be read back. */
  details?: ImageDetails;
}

/**
 * Reads every pushed tag back from the registry and checks they all name the digest the builder
 * reported: the outputs vouch for what the registry holds, not for what a tool printed.
 */
export async function readBackPush(
  registry: RegistryClient,
  spec: BuildSpec,
  builderDigest: string | undefined,
  options: { canReadRegistry: boolean; warn: (m: string) => void },
): Promise<PushedImage> {
  const name = repositoryName(spec.image);
  const { repository } = spec.image;
  try {
    const digests = new Map<string, string>();
    for (const tag of spec.tags) {
      const found = await registry.headManifest(repository, tag);
      if (!found) throw new Error(`${name}:${tag} is not in the registry after the push.`);
      digests.set(tag, found.digest);
    }
    const digest = builderDigest ?? digests.get(spec.tags[0])!;
    const astray = [...digests].filter(([, d]) => d !== digest);
    if (astray.length) {
      throw new Error(`The pushed tags disagree: the build is ${digest}, but ${astray.map(([t, d]) => `${name}:${t} is ${d}`).join(', ')}.`);
    }
    return { image: `${name}@${digest}`, digest, details: await describeImage(registry, repository, digest) };
  } catch (error) {
    // Docker may hold the login in a credential helper we cannot read; the builder's digest then stands.
    if (error instanceof RegistryAuthError && !options.canReadRegistry && builderDigest) {
      options.warn(`Could not read ${name} back from the registry (${error.message}); reporting the digest the builder gave.`);
      return { image: `${name}@${builderDigest}`, digest: builderDigest };
    }
    throw error;
  }
}
