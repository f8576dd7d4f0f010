import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../errors.js';
import { registryUrl, type RegistryLocation } from './location.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdk: Promise<S3Sdk> | undefined;
/** The S3 SDK, loaded on first use only (start-up stays fast for actions that never touch the registry). */
export const s3Sdk = (): Promise<S3Sdk> => (sdk ??= import('@aws-sdk/client-s3'));

interface S3Failure {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}
const status = (error: unknown) => (error as S3Failure)?.$metadata?.httpStatusCode;
export const isNotFound = (error: unknown) =>
  status(error) === 404 || ['NoSuchKey', 'NotFound'].includes((error as S3Failure)?.name ?? '');
export const isPreconditionFailed = (error: unknown) =>
  status(error) === 412 || (error as S3Failure)?.name === 'PreconditionFailed';
export const isInvalidRange = (error: unknown) => status(error) === 416 || (error as S3Failure)?.name === 'InvalidRange';

export interface StoredObject {
  bytes: Buffer;
  etag: string | undefined;
}

/** A registry's objects: S3 calls with keys relative to the registry prefix. The client is passed in. */
export class RegistryStore {
  constructor(
    readonly s3: S3Client,
    readonly location: RegistryLocation,
  ) {}

  get url(): string {
    return registryUrl(this.location);
  }

  key(relative: string): string {
    return this.location.prefix ? `${this.location.prefix}/${relative}` : relative;
  }

  /** A missing bucket is a configuration mistake; say which. */
  private explain(error: unknown): unknown {
    if ((error as S3Failure)?.name === 'NoSuchBucket') {
      return new ConfigurationError(`Invalid \`registry\`: bucket '${this.location.bucket}' of ${this.url} does not exist.`);
    }
    return error;
  }

  /** The object's bytes, or undefined when there is no such object. */
  async get(relative: string): Promise<StoredObject | undefined> {
    const { GetObjectCommand } = await s3Sdk();
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(relative) }));
      return { bytes: Buffer.from(await out.Body!.transformToByteArray()), etag: out.ETag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.explain(error);
    }
  }

  async exists(relative: string): Promise<boolean> {
    const { HeadObjectCommand } = await s3Sdk();
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(relative) }));
      return true;
    } catch (error) {
      if (isNotFound(error) && (error as S3Failure).name !== 'NoSuchBucket') return false;
      throw this.explain(error);
    }
  }

  /**
   * Writes an object. `ifNoneMatch: '*'` creates only (never overwrites); `ifMatch: etag` replaces only that
   * exact object. A failed condition throws an error for which `isPreconditionFailed` is true.
   */
  async put(relative: string, body: Uint8Array, conditions: { ifNoneMatch?: '*'; ifMatch?: string } = {}): Promise<void> {
    const { PutObjectCommand } = await s3Sdk();
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.location.bucket,
          Key: this.key(relative),
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: conditions.ifNoneMatch,
          IfMatch: conditions.ifMatch,
        }),
      );
    } catch (error) {
      throw this.explain(error);
    }
  }

  /** Names of a folder's immediate sub-folders and objects (`a` for `a/` under `models/`), across pages. */
  async children(relative: string): Promise<{ folders: string[]; objects: string[] }> {
    const base = this.key(relative).length;
    const folders: string[] = [];
    const objects: string[] = [];
    await this.list(relative, '/', (out) => {
      for (const p of out.CommonPrefixes ?? []) folders.push(p.Prefix!.slice(base, -1));
      for (const o of out.Contents ?? []) objects.push(o.Key!.slice(base));
    });
    return { folders, objects };
  }

  async folders(relative: string): Promise<string[]> {
    return (await this.children(relative)).folders;
  }

  /** Relative keys of every object under a folder, in key order, across pages. */
  async keys(relative: string): Promise<string[]> {
    const keys: string[] = [];
    await this.list(relative, undefined, (out) => {
      for (const o of out.Contents ?? []) keys.push(o.Key!.slice(this.key('').length));
    });
    return keys;
  }

  private async list(
    relative: string,
    delimiter: string | undefined,
    onPage: (out: import('@aws-sdk/client-s3').ListObjectsV2CommandOutput) => void,
  ): Promise<void> {
    const { ListObjectsV2Command } = await s3Sdk();
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.s3.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.key(relative), Delimiter: delimiter, ContinuationToken: token }),
        );
      } catch (error) {
        throw this.explain(error);
      }
      onPage(out);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
}
