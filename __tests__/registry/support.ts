import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sandboxEnv } from '../../sandbox/env.mjs';
import { ModelRegistry } from '../../shared/registry/registry.js';
import { createS3Client } from '../../shared/registry/s3-client.js';

/** moto_server from the sandbox, unless AWS_ENDPOINT_URL points elsewhere for a run by hand. */
export function s3Endpoint(): string {
  return process.env.AWS_ENDPOINT_URL ?? sandboxEnv().awsEndpointUrl;
}

/** A client made by the factory under test, with moto's any-credentials. */
export async function testClient(): Promise<S3Client> {
  process.env.AWS_ACCESS_KEY_ID ??= 'sandbox';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'sandbox';
  return createS3Client({ region: 'us-east-1', endpoint: s3Endpoint() });
}

/** A registry in a fresh bucket of its own, so tests never see each other's objects. */
export async function freshRegistry(prefix = 'team/models'): Promise<{ registry: ModelRegistry; s3: S3Client; bucket: string }> {
  const s3 = await testClient();
  const bucket = `reg-${randomBytes(6).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { registry: new ModelRegistry(s3, { bucket, prefix }), s3, bucket };
}

export const tempDir = (label: string) => mkdtemp(join(tmpdir(), `registry-${label}-`));

/** Writes files (path -> content) into a new temp folder and returns it. */
export async function modelFolder(files: Record<string, string | Buffer>): Promise<string> {
  const folder = await tempDir('model');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), content);
  }
  return folder;
}

/** Raw object access, to damage the registry the way a bad copy or a hand edit would. */
export async function rawGet(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

export async function rawPut(s3: S3Client, bucket: string, key: string, body: Uint8Array | string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Everything left in a folder (to prove nothing partial stays behind). */
export const entries = (folder: string) => readdir(folder);

/** Deterministic pseudo-random bytes, so a failing test shows the same data again. */
export function bytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
