import type { S3Client } from '@aws-sdk/client-s3';
import { downloadVersion, type DownloadResult } from './download.js';
import type { RegistryLocation } from './location.js';
import type { VersionRef } from './names.js';
import { pointerHistory, promote, readPointer, type PromoteOptions, type PromotionPointer, type PromotionResult } from './pointers.js';
import { publishVersion, type PublishRequest, type PublishResult } from './publish.js';
import { resolveVersion } from './resolve.js';
import { RegistryStore } from './store.js';
import type { TransferOptions } from './transfer.js';
import { readValidation, storeValidation, type StoredValidation } from './validations.js';
import { orderVersions, versionFolders, type ResolvedVersion } from './versions.js';

/**
 * The model registry on S3 (layout in layout.ts and README.md). One object per action run, built from the
 * S3 client (see `createS3Client`) and the parsed `registry` location. Names given here must already be
 * parsed at the action's edge (`parseModelName`, `parseVersion`, `parseVersionRef`, `parseEnvironmentName`,
 * `parseSuiteName`).
 */
export class ModelRegistry {
  readonly store: RegistryStore;

  constructor(s3: S3Client, location: RegistryLocation) {
    this.store = new RegistryStore(s3, location);
  }

  get url(): string {
    return this.store.url;
  }

  /** Semantic-version folders of a model, highest first (`latest` is the first complete one). */
  async versions(model: string): Promise<string[]> {
    return orderVersions(await versionFolders(this.store, model));
  }

  resolve(model: string, ref: VersionRef): Promise<ResolvedVersion> {
    return resolveVersion(this.store, model, ref);
  }

  download(resolved: ResolvedVersion, folder: string, transfer?: Partial<TransferOptions>): Promise<DownloadResult> {
    return downloadVersion(this.store, resolved, folder, transfer);
  }

  publish(request: PublishRequest): Promise<PublishResult> {
    return publishVersion(this.store, request);
  }

  pointer(model: string, environment: string): Promise<PromotionPointer | undefined> {
    return readPointer(this.store, model, environment);
  }

  promote(model: string, environment: string, version: string, options: PromoteOptions): Promise<PromotionResult> {
    return promote(this.store, model, environment, version, options);
  }

  history(model: string, environment: string): Promise<PromotionPointer[]> {
    return pointerHistory(this.store, model, environment);
  }

  storeValidation<Report>(entry: Omit<StoredValidation<Report>, 'storedAt'> & { storedAt?: string }): Promise<StoredValidation<Report>> {
    return storeValidation(this.store, entry);
  }

  readValidation<Report = unknown>(model: string, version: string, suite: string): Promise<StoredValidation<Report> | undefined> {
    return readValidation<Report>(this.store, model, version, suite);
  }
}
