import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { appendFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { IntegrityError } from '../../shared/registry/errors.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import { verifyFolder } from '../../shared/registry/verify.js';
import type { ResolvedVersion } from '../../shared/registry/versions.js';
import { bytes, freshRegistry, modelFolder, rawGet, rawPut, tempDir } from './support.js';

const KiB = 1024;
const small = { partSize: 64 * KiB, concurrency: 3 };
const root = 'team/models/models/sentiment/versions/1.0.0/';
let registry: ModelRegistry;
let s3: S3Client;
let bucket: string;
let work: string;
let target: string;

beforeEach(async () => {
  ({ registry, s3, bucket } = await freshRegistry());
  work = await tempDir('integrity');
  const folder = await modelFolder({ 'weights.bin': bytes(300 * KiB, 3), 'tokenizer/vocab.txt': 'a\nb\nc\n' });
  await registry.publish({ model: 'sentiment', version: '1.0.0', folder, framework: 'onnx', createdBy: 'tests' });
  await rm(folder, { recursive: true });
  target = join(work, 'model');
});
afterEach(() => rm(work, { recursive: true, force: true }));

const resolve = () => registry.resolve('sentiment', { kind: 'version', version: '1.0.0' });

/** Downloads and returns the IntegrityError it must fail with, after checking nothing was left behind. */
async function failedDownload(resolved?: ResolvedVersion): Promise<IntegrityError> {
  const error = await registry.download(resolved ?? (await resolve()), target, small).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrityError);
  expect(await readdir(work)).toEqual([]); // no final folder and no staging folder
  return error as IntegrityError;
}

const editManifest = async (edit: (m: { files: { path: string; size: number; sha256: string }[] }) => void) => {
  const manifest = JSON.parse((await rawGet(s3, bucket, `${root}manifest.json`)).toString());
  edit(manifest);
  await rawPut(s3, bucket, `${root}manifest.json`, JSON.stringify(manifest));
};
const weightsEntry = (m: { files: { path: string; size: number; sha256: string }[] }) => m.files.find((f) => f.path === 'weights.bin')!;

describe('download integrity', () => {
  it('fails naming the file when one byte was flipped in S3', async () => {
    const stored = await rawGet(s3, bucket, `${root}files/weights.bin`);
    stored[200 * KiB] ^= 0xff;
    await rawPut(s3, bucket, `${root}files/weights.bin`, stored);
    const error = await failedDownload();
    expect(error.file).toBe('weights.bin');
    expect(error.message).toMatch(/^File 'weights\.bin' has SHA-256 [0-9a-f]{64}, but the manifest says [0-9a-f]{64}\.$/);
  });

  it('fails naming the file when the object in S3 is truncated', async () => {
    const stored = await rawGet(s3, bucket, `${root}files/weights.bin`);
    await rawPut(s3, bucket, `${root}files/weights.bin`, stored.subarray(0, 100 * KiB));
    const error = await failedDownload();
    expect(error.file).toBe('weights.bin');
    expect(error.message).toMatch(/^File 'weights\.bin' (has 102400 bytes, but the manifest says 307200|is shorter in the registry)/);
  });

  it('fails naming the file when the object in S3 is longer than the manifest says', async () => {
    const stored = await rawGet(s3, bucket, `${root}files/weights.bin`);
    await rawPut(s3, bucket, `${root}files/weights.bin`, Buffer.concat([stored, Buffer.from('extra')]));
    expect((await failedDownload()).message).toBe("File 'weights.bin' has 307205 bytes, but the manifest says 307200.");
  });

  it('fails naming the file when the manifest lists a wrong checksum', async () => {
    await editManifest((m) => (weightsEntry(m).sha256 = '0'.repeat(64)));
    expect((await failedDownload()).message).toMatch(/^File 'weights\.bin' has SHA-256 [0-9a-f]{64}, but the manifest says 0{64}\.$/);
  });

  it('fails naming the file when it is missing from S3', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${root}files/tokenizer/vocab.txt` }));
    const error = await failedDownload();
    expect(error.message).toBe("File 'tokenizer/vocab.txt' is in the manifest but missing from the registry.");
    expect(error.file).toBe('tokenizer/vocab.txt');
  });

  it('refuses a manifest with a `../` path when the version is resolved, before any file is fetched', async () => {
    await editManifest((m) => (weightsEntry(m).path = '../../escaped.bin'));
    await expect(resolve()).rejects.toThrow(/Manifest path "\.\.\/\.\.\/escaped\.bin" is refused: it has a `\.\.` segment\./);
    await expect(resolve()).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses an escaping path even in a manifest that skipped parsing, writing nothing outside', async () => {
    const resolved = await resolve();
    const forged = { ...resolved, manifest: { ...resolved.manifest, files: [{ ...resolved.manifest.files[0], path: '../outside.bin' }] } };
    expect((await failedDownload(forged)).message).toBe('Manifest path "../outside.bin" escapes the download folder.');
    expect(await readdir(dirname(work))).not.toContain('outside.bin');
  });
});

describe('ranged, parallel download', () => {
  it('fetches a file larger than the part size in ordered ranges, several at once, and reassembles it exactly', async () => {
    const ranges: string[] = [];
    let inFlight = 0;
    let most = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'GetObjectCommand') return next(args);
        const input = args.input as { Key: string; Range?: string };
        if (input.Key.endsWith('/weights.bin')) ranges.push(input.Range ?? 'whole');
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countRangedGets' },
    );
    const resolved = await resolve();
    await registry.download(resolved, target, small);
    expect(ranges.sort((a, b) => Number(/=(\d+)/.exec(a)![1]) - Number(/=(\d+)/.exec(b)![1]))).toEqual([
      'bytes=0-65535', 'bytes=65536-131071', 'bytes=131072-196607', 'bytes=196608-262143', 'bytes=262144-307199',
    ]);
    expect(most).toBe(3);
    await expect(verifyFolder(target, resolved.manifest)).resolves.toBeUndefined();
  });
});

describe('verifying a local folder against a manifest', () => {
  let manifest: ResolvedVersion['manifest'];
  beforeEach(async () => {
    const resolved = await resolve();
    manifest = resolved.manifest;
    await registry.download(resolved, target);
  });

  it('passes for the exact files', async () => {
    await expect(verifyFolder(target, manifest)).resolves.toBeUndefined();
  });

  it('fails naming a changed file', async () => {
    await writeFile(join(target, 'tokenizer/vocab.txt'), 'a\nb\nX\n');
    await expect(verifyFolder(target, manifest)).rejects.toThrow(/^File 'tokenizer\/vocab\.txt' has SHA-256/);
  });

  it('fails naming a file of another size', async () => {
    await appendFile(join(target, 'weights.bin'), 'x');
    await expect(verifyFolder(target, manifest)).rejects.toThrow("File 'weights.bin' has 307201 bytes, but the manifest says 307200.");
  });

  it('fails naming a missing file and an extra file', async () => {
    await writeFile(join(target, 'notes.md'), 'not part of the model');
    await expect(verifyFolder(target, manifest)).rejects.toThrow(`File 'notes.md' in '${target}' is not in the manifest of sentiment 1.0.0.`);
    await unlink(join(target, 'weights.bin'));
    await expect(verifyFolder(target, manifest)).rejects.toThrow(`File 'weights.bin' of sentiment 1.0.0 is missing from '${target}'.`);
  });
});
