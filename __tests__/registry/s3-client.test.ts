import { describe, expect, it } from '@jest/globals';
import { rm } from 'node:fs/promises';
import { ConfigurationError } from '../../shared/errors.js';
import { createS3Client } from '../../shared/registry/s3-client.js';
import { ModelRegistry } from '../../shared/registry/registry.js';
import { freshRegistry, modelFolder, s3Endpoint } from './support.js';

const endpointOf = async (client: Awaited<ReturnType<typeof createS3Client>>) => {
  const e = await client.config.endpoint!();
  return `${e.protocol}//${e.hostname}:${e.port}`;
};

describe('createS3Client', () => {
  it('uses AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL, with path-style addressing', async () => {
    const client = await createS3Client({}, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1111', AWS_ENDPOINT_URL: 'http://127.0.0.1:2222' });
    expect(await endpointOf(client)).toBe('http://127.0.0.1:1111');
    expect(client.config.forcePathStyle).toBe(true);
    const fallback = await createS3Client({}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:2222' });
    expect(await endpointOf(fallback)).toBe('http://127.0.0.1:2222');
  });

  it('prefers an explicit endpoint and region over the environment', async () => {
    const client = await createS3Client({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:3333' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:2222', AWS_REGION: 'us-east-2' });
    expect(await endpointOf(client)).toBe('http://127.0.0.1:3333');
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('keeps virtual-host addressing for AWS itself (no endpoint)', async () => {
    const client = await createS3Client({}, { AWS_REGION: 'us-east-2' });
    expect(client.config.forcePathStyle).toBeFalsy();
    expect(await client.config.region()).toBe('us-east-2');
  });

  it('refuses an endpoint that is not an http(s) URL', async () => {
    await expect(createS3Client({}, { AWS_ENDPOINT_URL: 'localhost:5005' })).rejects.toThrow(
      new ConfigurationError('Invalid S3 endpoint "localhost:5005". Expected an http:// or https:// URL.'),
    );
  });

  it('reaches moto_server through the environment variable alone', async () => {
    const { registry, bucket } = await freshRegistry();
    const folder = await modelFolder({ 'w.bin': 'x' });
    await registry.publish({ model: 'm', version: '1.0.0', folder, framework: 'f', createdBy: 't' });
    await rm(folder, { recursive: true });
    const client = await createS3Client({}, { ...process.env, AWS_ENDPOINT_URL: s3Endpoint(), AWS_ENDPOINT_URL_S3: '' });
    const viaEnv = new ModelRegistry(client, { bucket, prefix: 'team/models' });
    expect((await viaEnv.resolve('m', { kind: 'latest' })).version).toBe('1.0.0');
  });
});
