import type { Credentials } from './credentials.js';
import { formatReference, InvalidReferenceError, parseImageReference, repositoryName, TAG, TAG_EXPECTED } from './reference.js';
import { RegistryClient, RegistryError } from './registry-client.js';

export interface RetagRequest {
  /** The image to tag: `host/repo@sha256:...` or `host/repo:tag`. */
  source: string;
  /** The tag to point at the source's manifest, in the same repository (e.g. `prod`). */
  tag: string;
  credentials?: Credentials;
  /** Plain HTTP; defaults to true for loopback registries only. */
  plainHttp?: boolean;
  /** A client for the source's registry, to reuse its tokens; made from the other fields when absent. */
  client?: RegistryClient;
}

export interface RetagResult {
  /** `host/repo@sha256:...`, the image the tag now names. */
  image: string;
  digest: string;
  /** `host/repo:tag`. */
  reference: string;
  /** What the tag named before, when it existed (for reports and rollback). */
  previousDigest?: string;
  /** False when the tag already named this digest (nothing was written). */
  changed: boolean;
}

/**
 * Points a tag at an image registry-side: the manifest's exact bytes are read and stored under the
 * new tag, so no layer moves and the digest is unchanged (OCI and Docker manifests and indexes alike).
 * Running it again converges: a tag already on the digest is left alone.
 */
export async function retagImage(request: RetagRequest): Promise<RetagResult> {
  let source;
  try {
    source = parseImageReference(request.source);
  } catch (error) {
    throw new InvalidReferenceError(`Cannot retag '${request.source}': ${(error as Error).message}.`);
  }
  if (!source.tag && !source.digest) throw new InvalidReferenceError(`Cannot retag '${request.source}': it names no tag or digest.`);
  if (!TAG.test(request.tag)) throw new InvalidReferenceError(`Cannot retag to '${request.tag}': expected ${TAG_EXPECTED}.`);
  const client = request.client ?? new RegistryClient({ registry: source.registry, credentials: request.credentials, plainHttp: request.plainHttp });
  if (client.registry !== source.registry) throw new Error(`The registry client is for ${client.registry}, not ${source.registry}.`);

  const [manifest, before] = await Promise.all([
    client.getManifest(source.repository, source.digest ?? source.tag!),
    client.headManifest(source.repository, request.tag),
  ]);
  if (source.digest && manifest.digest !== source.digest) {
    throw new RegistryError(`Registry ${source.registry} answered ${formatReference(source)} with a manifest of digest ${manifest.digest}.`, 502);
  }
  const result = {
    image: `${repositoryName(source)}@${manifest.digest}`,
    digest: manifest.digest,
    reference: `${repositoryName(source)}:${request.tag}`,
    previousDigest: before?.digest,
  };
  if (before?.digest === manifest.digest) return { ...result, changed: false };
  const written = await client.putManifest(source.repository, request.tag, manifest);
  if (written !== manifest.digest) {
    throw new RegistryError(`Registry ${source.registry} stored ${result.reference} as ${written}, not ${manifest.digest}.`, 502);
  }
  return { ...result, changed: true };
}
