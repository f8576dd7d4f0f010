import { createHash } from 'node:crypto';
import type { Credentials } from './credentials.js';
import { isLoopbackRegistry, registryApiHost } from './reference.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { basicAuthorization, fetchBearerToken, missingCredentials, parseChallenge, refusedCredentials, RegistryAuthError } from './registry-auth.js';
import { cutToLength } from '../text-limit.js';

export interface RegistryClientOptions {
  /** Registry host as in image references (`ghcr.io`, `127.0.0.1:5000`, `docker.io`). */
  registry: string;
  credentials?: Credentials;
  /** Speak plain HTTP; defaults to true for loopback hosts only. */
  plainHttp?: boolean;
  fetch?: typeof fetch;
}

export interface ManifestDescriptor {
  digest: string;
  mediaType: string;
  size: number;
}

export interface Manifest extends ManifestDescriptor {
  /** The manifest exactly as stored: its digest is the sha256 of these bytes. */
  bytes: Buffer;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export type Access = 'pull' | 'push';

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function registryErrorDetail(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const errors = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    if (errors.length) return errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    /* not JSON */
  }
  return cutToLength(text, 200);
}

/**
 * A client of the OCI distribution API for what the suite needs: manifest lookups and writes.
 * Authenticates on the registry's challenge (Basic or Bearer token), keeping one token per scope.
 */
export class RegistryClient {
  readonly registry: string;
  private readonly base: string;
  private readonly credentials?: Credentials;
  private readonly fetchFn: typeof fetch;
  /** Bearer authorizations per scope, shared by requests in flight so a token is fetched once. */
  private readonly authorizations = new Map<string, Promise<string>>();
  private basic?: string;
  private bearer = false;

  constructor(options: RegistryClientOptions) {
    this.registry = options.registry;
    this.credentials = options.credentials;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    const plain = options.plainHttp ?? isLoopbackRegistry(options.registry);
    this.base = `${plain ? 'http' : 'https'}://${registryApiHost(options.registry)}`;
  }

  /** The manifest's descriptor, or undefined when the tag or digest does not exist. */
  async headManifest(repository: string, reference: string): Promise<ManifestDescriptor | undefined> {
    const res = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, scope(repository, ['pull']), {
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status === 404) return undefined;
    await this.expectOk(res, `look up ${repository}:${reference}`);
    const digest = res.headers.get('docker-content-digest');
    // A registry that leaves the digest out of a HEAD answer still gives it with the bytes.
    if (!digest) return this.getManifest(repository, reference);
    return { digest, mediaType: mediaTypeOf(res), size: Number(res.headers.get('content-length') ?? 0) };
  }

  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const res = await this.request('GET', `/v2/${repository}/manifests/${reference}`, scope(repository, ['pull']), {
      headers: { accept: MANIFEST_ACCEPT },
    });
    await this.expectOk(res, `read the manifest of ${repository}:${reference}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256Digest(bytes);
    const claimed = res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new RegistryError(`Registry ${this.registry} sent a manifest for ${repository}:${reference} whose bytes hash to ${digest}, not ${claimed}.`, 502);
    }
    return { digest, mediaType: mediaTypeOf(res, bytes), size: bytes.length, bytes };
  }

  /** Stores manifest bytes under a tag (or digest); returns the digest the registry recorded. */
  async putManifest(repository: string, reference: string, manifest: Pick<Manifest, 'bytes' | 'mediaType'>): Promise<string> {
    const res = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, scope(repository, ['pull', 'push']), {
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
    });
    await this.expectOk(res, `write ${repository}:${reference}`);
    await res.body?.cancel();
    return res.headers.get('docker-content-digest') ?? sha256Digest(manifest.bytes);
  }

  async getBlobJson<T>(repository: string, digest: string): Promise<T> {
    const res = await this.request('GET', `/v2/${repository}/blobs/${digest}`, scope(repository, ['pull']), {});
    await this.expectOk(res, `read blob ${digest} of ${repository}`);
    return (await res.json()) as T;
  }

  /** Fails with a RegistryAuthError, before anything is built or pushed, when the credentials are refused. */
  async checkAccess(repository: string, access: Access[]): Promise<void> {
    const res = await this.request('GET', '/v2/', scope(repository, access), {});
    await this.expectOk(res, 'reach the registry API');
    await res.body?.cancel();
  }

  private async request(method: string, path: string, scopeText: string, init: { headers?: Record<string, string>; body?: Buffer }): Promise<Response> {
    const send = (authorization?: string) =>
      this.fetchFn(`${this.base}${path}`, {
        method,
        headers: { ...init.headers, ...(authorization ? { authorization } : {}) },
        body: init.body,
        redirect: 'follow',
      }).catch((error: unknown) => {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        throw new RegistryError(`Could not reach registry ${this.registry} at ${this.base}${cause}.`, 0);
      });
    // With credentials, Basic goes along from the first request (saving a round trip) until the registry asks for tokens.
    const preemptive = this.credentials && !this.bearer ? basicAuthorization(this.credentials) : undefined;
    const sent = this.basic ?? (await this.authorizations.get(scopeText)?.catch(() => undefined)) ?? preemptive;
    let res = await send(sent);
    if (res.status !== 401) {
      if (preemptive && !this.basic) this.basic = preemptive;
      return res;
    }
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    const refusal = await registryErrorDetail(res);
    if (!challenge) throw new RegistryAuthError(`Registry ${this.registry} refused the request (HTTP 401) without saying how to authenticate.`);
    let authorization: string;
    if (challenge.scheme === 'basic') {
      if (!this.credentials) throw missingCredentials(this.registry);
      // Basic credentials already sent and refused: asking again with the same ones cannot help.
      if (preemptive) throw refusedCredentials(this.registry, this.credentials, 401, refusal);
      authorization = this.basic = basicAuthorization(this.credentials);
    } else {
      this.bearer = true;
      // A token refused now has expired: fetch a new one (unless a request in flight already did).
      if (sent && sent !== preemptive && (await this.authorizations.get(scopeText)?.catch(() => undefined)) === sent) this.authorizations.delete(scopeText);
      let pending = this.authorizations.get(scopeText);
      if (!pending) {
        pending = fetchBearerToken(this.fetchFn, this.registry, challenge, scopeText, this.credentials);
        this.authorizations.set(scopeText, pending);
        pending.catch(() => this.authorizations.delete(scopeText));
      }
      authorization = await pending;
    }
    res = await send(authorization);
    if (res.status === 401) {
      const detail = await registryErrorDetail(res);
      throw this.credentials ? refusedCredentials(this.registry, this.credentials, 401, detail) : missingCredentials(this.registry);
    }
    return res;
  }

  private async expectOk(res: Response, what: string): Promise<void> {
    if (res.ok) return;
    const detail = await registryErrorDetail(res);
    const message = `Could not ${what} on registry ${this.registry}: HTTP ${res.status}${detail ? ` (${detail})` : ''}.`;
    if (res.status === 403) throw new RegistryAuthError(`${message} The credentials lack the rights for this.`);
    throw new RegistryError(message, res.status);
  }
}

function scope(repository: string, access: Access[]): string {
  return `repository:${repository}:${access.join(',')}`;
}

function mediaTypeOf(res: Response, bytes?: Buffer): string {
  const header = res.headers.get('content-type')?.split(';')[0].trim();
  if (header && header !== 'application/json') return header;
  if (bytes) {
    const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType;
    if (declared) return declared;
  }
  return header ?? 'application/octet-stream';
}
