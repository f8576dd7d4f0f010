import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../errors.js';

export interface S3ClientSettings {
  region?: string;
  /** An S3-compatible endpoint (moto, MinIO). Falls back to AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL. */
  endpoint?: string;
}

/**
 * The one place that builds an S3 client for the registry (the SDK is loaded here, lazily).
 * With a custom endpoint, path-style addressing (`http://host/bucket/key`), which such servers need.
 * Checksums only where S3 requires them: every file is SHA-256 checked against its manifest already,
 * and the SDK's own CRC32 on every part would be a second, slower pass over the bytes.
 */
export async function createS3Client(settings: S3ClientSettings = {}, env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  const endpoint = settings.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || undefined) ?? (env.AWS_ENDPOINT_URL || undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) {
    throw new ConfigurationError(`Invalid S3 endpoint ${JSON.stringify(endpoint)}. Expected an http:// or https:// URL.`);
  }
  const region = settings.region ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined) ?? 'us-east-1';
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    region,
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
