/** The model registry's public API (see README.md). No SDK is loaded by importing this. */
export { parseRegistryLocation, registryUrl, type RegistryLocation } from './location.js';
export { describeRef, parseEnvironmentName, parseModelName, parseSuiteName, parseVersion, parseVersionRef, type VersionRef } from './names.js';
export { createS3Client, type S3ClientSettings } from './s3-client.js';
export { ModelRegistry } from './registry.js';
export { IntegrityError } from './errors.js';
export { manifestDigest, parseManifest, type ManifestFile, type ModelManifest } from './manifest.js';
export { verifyFolder } from './verify.js';
export { hashFile } from './local-files.js';
export { DEFAULT_TRANSFER, type TransferOptions } from './transfer.js';
export type { ResolvedVersion } from './versions.js';
export type { DownloadResult } from './download.js';
export type { PublishRequest, PublishResult } from './publish.js';
export type { PromoteOptions, PromotionPointer, PromotionResult } from './pointers.js';
export type { StoredValidation } from './validations.js';
