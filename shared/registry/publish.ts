import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { ConfigurationError } from '../errors.js';
import { fileKey, manifestKey } from './layout.js';
import { forEachLimited } from './limit.js';
import { listFiles } from './local-files.js';
import { checkManifestPath, checkPathSet } from './manifest-path.js';
import { manifestDigest, serializeManifest, type ManifestFile, type ModelManifest } from './manifest.js';
import { isPreconditionFailed, type RegistryStore } from './store.js';
import { checkTransfer, MIN_UPLOAD_PART, type TransferOptions } from './transfer.js';

export interface PublishRequest {
  model: string;
  /** A canonical semantic version (see `parseVersion`). */
  version: string;
  /** The local folder whose files become the version. */
  folder: string;
  framework: string;
  /** Who published: e.g. `octocat via https://github.com/o/r/actions/runs/1`. */
  createdBy: string;
  tags?: Record<string, string>;
  metrics?: Record<string, number>;
  transfer?: Partial<TransferOptions>;
  /** For tests; defaults to now. */
  now?: Date;
}

export interface PublishResult {
  manifest: ModelManifest;
  manifestDigest: string;
  bytes: number;
}

/** Uploads one file (multipart above `partSize`), hashing the bytes as they stream out. */
async function uploadFile(store: RegistryStore, key: string, path: string, transfer: TransferOptions): Promise<{ size: number; sha256: string }> {
  const { Upload } = await import('@aws-sdk/lib-storage');
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = createReadStream(path, { highWaterMark: 1024 * 1024 });
  source.on('error', (error) => hashing.destroy(error));
  const upload = new Upload({
    client: store.s3,
    params: { Bucket: store.location.bucket, Key: store.key(key), Body: source.pipe(hashing) },
    partSize: transfer.partSize,
    queueSize: transfer.concurrency,
    leavePartsOnError: false,
  });
  await upload.done();
  return { size, sha256: hash.digest('hex') };
}

/**
 * Publishes a local folder as a new, immutable version: every file uploaded (hashed on the way), then
 * manifest.json LAST and create-only, so readers never see a half-written version and an existing version
 * is never replaced. Everything that can be checked locally is checked before the first byte is sent.
 */
export async function publishVersion(store: RegistryStore, request: PublishRequest): Promise<PublishResult> {
  const transfer = checkTransfer(request.transfer ?? {}, MIN_UPLOAD_PART);
  const { model, version } = request;
  const paths = await listFiles(request.folder);
  if (paths.length === 0) throw new ConfigurationError(`Model folder '${request.folder}' holds no files to publish.`);
  paths.forEach(checkManifestPath);
  checkPathSet(paths);
  if (await store.exists(manifestKey(model, version))) {
    throw new ConfigurationError(`Version ${version} of model '${model}' already exists in ${store.url}; versions are immutable, publish a new version.`);
  }
  const sizes = new Map(await Promise.all(paths.map(async (p) => [p, (await stat(join(request.folder, p))).size] as const)));
  const files = new Map<string, ManifestFile>();
  const upload = async (path: string, settings: TransferOptions) => {
    const digest = await uploadFile(store, fileKey(model, version, path), join(request.folder, path), settings);
    if (digest.size !== sizes.get(path)) throw new ConfigurationError(`File '${path}' changed while it was being published; publish again.`);
    files.set(path, { path, ...digest });
  };
  // Small files side by side; large ones one at a time with their parts in parallel: memory stays ~concurrency parts.
  const small = paths.filter((p) => sizes.get(p)! <= transfer.partSize);
  const large = paths.filter((p) => sizes.get(p)! > transfer.partSize);
  await forEachLimited(small, transfer.concurrency, (p) => upload(p, { ...transfer, concurrency: 1 }));
  for (const p of large) await upload(p, transfer);
  const manifest: ModelManifest = {
    schemaVersion: 1,
    name: model,
    version,
    framework: request.framework,
    createdAt: (request.now ?? new Date()).toISOString(),
    createdBy: request.createdBy,
    tags: request.tags ?? {},
    metrics: request.metrics ?? {},
    files: paths.map((p) => files.get(p)!),
  };
  const bytes = serializeManifest(manifest);
  try {
    await store.put(manifestKey(model, version), bytes, { ifNoneMatch: '*' });
  } catch (error) {
    if (isPreconditionFailed(error)) throw new ConfigurationError(`Version ${version} of model '${model}' was published by someone else meanwhile.`);
    throw error;
  }
  return { manifest, manifestDigest: manifestDigest(bytes), bytes: manifest.files.reduce((n, f) => n + f.size, 0) };
}
