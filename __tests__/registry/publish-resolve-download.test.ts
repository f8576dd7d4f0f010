import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../../shared/errors.js';
import { manifestDigest } from '../../shared/registry/manifest.js';
import { bytes, entries, freshRegistry, modelFolder, rawGet, rawPut, tempDir } from './support.js';

const MiB = 1024 * 1024;
// Compared by digest: jest's deep equality on megabytes of Buffer takes minutes.
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const cleanup: string[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});
const track = async (dir: Promise<string>) => {
  const d = await dir;
  cleanup.push(d);
  return d;
};

const publishFrom = async (registry: Awaited<ReturnType<typeof freshRegistry>>['registry'], version: string, files: Record<string, string | Buffer>) =>
  registry.publish({ model: 'sentiment', version, folder: await track(modelFolder(files)), framework: 'onnx', createdBy: 'tests' });

describe('publishing and downloading a version', () => {
  it('round-trips a folder: publish, resolve by version, download the same bytes, manifest digest as checksum', async () => {
    const { registry, s3, bucket } = await freshRegistry();
    const weights = bytes(6 * MiB, 7); // above the 5 MiB part size: a multipart upload
    const folder = await track(modelFolder({ 'model.onnx': weights, 'config/labels.json': '["neg","pos"]', 'empty.txt': '' }));
    const published = await registry.publish({
      model: 'sentiment', version: '1.0.0', folder, framework: 'onnx', createdBy: 'octocat', tags: { task: 'sentiment' }, metrics: { f1: 0.91 },
      transfer: { partSize: 5 * MiB, concurrency: 2 },
    });
    expect(published.manifest.files.map((f) => [f.path, f.size])).toEqual([['config/labels.json', 13], ['empty.txt', 0], ['model.onnx', 6 * MiB]]);

    const stored = await rawGet(s3, bucket, 'team/models/models/sentiment/versions/1.0.0/manifest.json');
    expect(manifestDigest(stored)).toBe(published.manifestDigest);
    expect(sha(await rawGet(s3, bucket, 'team/models/models/sentiment/versions/1.0.0/files/model.onnx'))).toBe(sha(weights));

    const resolved = await registry.resolve('sentiment', { kind: 'version', version: '1.0.0' });
    expect(resolved.manifestDigest).toBe(published.manifestDigest);
    expect(resolved.manifest).toMatchObject({ name: 'sentiment', version: '1.0.0', framework: 'onnx', createdBy: 'octocat', tags: { task: 'sentiment' }, metrics: { f1: 0.91 } });

    const target = join(await track(tempDir('dl')), 'model');
    const result = await registry.download(resolved, target, { partSize: MiB, concurrency: 3 });
    expect(result).toEqual({ folder: target, bytes: 6 * MiB + 13, reused: false });
    expect(sha(await readFile(join(target, 'model.onnx')))).toBe(sha(weights));
    expect(await readFile(join(target, 'config/labels.json'), 'utf8')).toBe('["neg","pos"]');
    expect(await readFile(join(target, 'empty.txt'), 'utf8')).toBe('');
  });

  it('refuses to publish over an existing version, uploading nothing', async () => {
    const { registry, s3, bucket } = await freshRegistry();
    await publishFrom(registry, '1.0.0', { 'w.bin': 'first' });
    await expect(publishFrom(registry, '1.0.0', { 'w.bin': 'second', 'new.bin': 'x' })).rejects.toThrow(
      new ConfigurationError("Version 1.0.0 of model 'sentiment' already exists in s3://" + bucket + '/team/models; versions are immutable, publish a new version.'),
    );
    expect((await rawGet(s3, bucket, 'team/models/models/sentiment/versions/1.0.0/files/w.bin')).toString()).toBe('first');
    await expect(rawGet(s3, bucket, 'team/models/models/sentiment/versions/1.0.0/files/new.bin')).rejects.toThrow();
  });

  it('does not show a version whose manifest was never written (an interrupted publish)', async () => {
    const { registry, s3, bucket } = await freshRegistry();
    await publishFrom(registry, '1.0.0', { 'w.bin': 'one' });
    await rawPut(s3, bucket, 'team/models/models/sentiment/versions/1.1.0/files/w.bin', 'half');
    expect((await registry.resolve('sentiment', { kind: 'latest' })).version).toBe('1.0.0');
    await expect(registry.resolve('sentiment', { kind: 'version', version: '1.1.0' })).rejects.toThrow(
      "Version 1.1.0 of model 'sentiment' is incomplete (no manifest.json): its publish has not finished.",
    );
  });

  it('resolves `latest` by semantic-version order, not by name or by time', async () => {
    const { registry, s3, bucket } = await freshRegistry();
    for (const v of ['1.10.0', '1.9.0', '2.0.0-rc.1', '1.2.0']) await publishFrom(registry, v, { 'w.bin': v });
    await rawPut(s3, bucket, 'team/models/models/sentiment/versions/zzz-not-semver/manifest.json', '{}');
    const latest = await registry.resolve('sentiment', { kind: 'latest' });
    expect(latest.version).toBe('1.10.0');
    expect(latest.via).toEqual({ kind: 'latest' });
    expect(await registry.versions('sentiment')).toEqual(['1.10.0', '1.9.0', '1.2.0']);
  });

  it('names what is missing: model, version, environment', async () => {
    const { registry, bucket } = await freshRegistry();
    await publishFrom(registry, '1.0.0', { 'w.bin': 'x' });
    await expect(registry.resolve('nope', { kind: 'latest' })).rejects.toThrow(
      `Invalid \`model\`: 'nope' is not in registry s3://${bucket}/team/models (models there: sentiment).`,
    );
    await expect(registry.resolve('sentiment', { kind: 'version', version: '3.0.0' })).rejects.toThrow(
      `Invalid \`version\`: model 'sentiment' has no version 3.0.0 in s3://${bucket}/team/models (versions: 1.0.0).`,
    );
    await expect(registry.resolve('sentiment', { kind: 'environment', environment: 'production' })).rejects.toThrow(
      `Invalid \`version\`: model 'sentiment' has no environment 'production' pointer in s3://${bucket}/team/models (environments: none).`,
    );
    await expect(registry.resolve('sentiment', { kind: 'environment', environment: 'production' })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('says which bucket does not exist', async () => {
    const { registry } = await freshRegistry();
    const { ModelRegistry } = await import('../../shared/registry/registry.js');
    const missing = new ModelRegistry(registry.store.s3, { bucket: 'no-such-bucket-registry-test', prefix: '' });
    await expect(missing.resolve('m', { kind: 'latest' })).rejects.toThrow("Invalid `registry`: bucket 'no-such-bucket-registry-test' of s3://no-such-bucket-registry-test does not exist.");
  });

  it('keeps a download folder that already holds the version, and refuses one that holds something else', async () => {
    const { registry } = await freshRegistry();
    await publishFrom(registry, '1.0.0', { 'w.bin': 'weights' });
    const resolved = await registry.resolve('sentiment', { kind: 'version', version: '1.0.0' });
    const target = join(await track(tempDir('dl')), 'model');
    await registry.download(resolved, target);
    expect(await registry.download(resolved, target)).toMatchObject({ reused: true });
    const other = await track(modelFolder({ 'w.bin': 'other!!' }));
    await expect(registry.download(resolved, other)).rejects.toThrow(/Download folder '.*' is not empty and does not hold sentiment 1\.0\.0: File 'w\.bin' has SHA-256/);
    expect(await readFile(join(other, 'w.bin'), 'utf8')).toBe('other!!');
  });

  it('refuses a download target that is a file, leaving it alone', async () => {
    const { registry } = await freshRegistry();
    await publishFrom(registry, '1.0.0', { 'w.bin': 'weights' });
    const resolved = await registry.resolve('sentiment', { kind: 'version', version: '1.0.0' });
    const folder = await track(modelFolder({ 'target': 'a file' }));
    await expect(registry.download(resolved, join(folder, 'target'))).rejects.toThrow(new ConfigurationError(`Download folder '${join(folder, 'target')}' is a file, not a folder.`));
    expect(await entries(folder)).toEqual(['target']);
  });

  it('refuses a model folder with a symbolic link before uploading anything', async () => {
    const { registry } = await freshRegistry();
    const folder = await track(modelFolder({ 'w.bin': 'x' }));
    const { symlink } = await import('node:fs/promises');
    await symlink('/etc/passwd', join(folder, 'link'));
    await expect(registry.publish({ model: 'sentiment', version: '1.0.0', folder, framework: 'onnx', createdBy: 't' })).rejects.toThrow(
      /holds 'link', which is not a regular file \(links are refused\)/,
    );
    expect(await registry.versions('sentiment')).toEqual([]);
    expect(await entries(folder)).toEqual(['link', 'w.bin']);
  });
});
