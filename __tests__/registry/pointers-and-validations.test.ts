import { beforeEach, describe, expect, it } from '@jest/globals';
import type { S3Client } from '@aws-sdk/client-s3';
import { rm } from 'node:fs/promises';
import { ConfigurationError } from '../../shared/errors.js';
import { IntegrityError } from '../../shared/registry/errors.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import { freshRegistry, modelFolder, rawGet, rawPut } from './support.js';

let registry: ModelRegistry;
let s3: S3Client;
let bucket: string;
const digests: Record<string, string> = {};
const envs = 'team/models/models/sentiment/environments/';

beforeEach(async () => {
  ({ registry, s3, bucket } = await freshRegistry());
  for (const version of ['1.0.0', '1.1.0']) {
    const folder = await modelFolder({ 'w.bin': `weights ${version}` });
    digests[version] = (await registry.publish({ model: 'sentiment', version, folder, framework: 'onnx', createdBy: 'tests' })).manifestDigest;
    await rm(folder, { recursive: true });
  }
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 4, 12, minute));

describe('promotion pointers', () => {
  it('points an environment at a version, resolvable by the environment name, bound to its digest', async () => {
    const result = await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'octocat', note: 'run 7', now: at(0) });
    expect(result).toEqual({
      changed: true,
      pointer: {
        model: 'sentiment', environment: 'production', version: '1.0.0', manifestDigest: digests['1.0.0'],
        promotedAt: '2026-11-04T12:00:00.000Z', promotedBy: 'octocat', previousVersion: null, note: 'run 7',
      },
    });
    const resolved = await registry.resolve('sentiment', { kind: 'environment', environment: 'production' });
    expect([resolved.version, resolved.manifestDigest]).toEqual(['1.0.0', digests['1.0.0']]);
    expect(await registry.pointer('sentiment', 'staging')).toBeUndefined();
  });

  it('keeps an append-only history: earlier entries stay byte for byte, the pointer names the previous version', async () => {
    await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'a', now: at(0) });
    const first = await rawGet(s3, bucket, `${envs}production/history/2026-11-04T12-00-00-000Z-1.0.0.json`);
    await registry.promote('sentiment', 'production', '1.1.0', { promotedBy: 'b', now: at(5) });
    await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'c', note: 'rollback', now: at(9) });
    expect(await rawGet(s3, bucket, `${envs}production/history/2026-11-04T12-00-00-000Z-1.0.0.json`)).toEqual(first);
    const history = await registry.history('sentiment', 'production');
    expect(history.map((h) => [h.version, h.previousVersion, h.promotedBy])).toEqual([
      ['1.0.0', null, 'a'],
      ['1.1.0', '1.0.0', 'b'],
      ['1.0.0', '1.1.0', 'c'],
    ]);
    expect((await registry.pointer('sentiment', 'production'))?.version).toBe('1.0.0');
  });

  it('never overwrites a history entry: a second write of the same entry is refused by the server', async () => {
    await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'a', now: at(0) });
    await registry.promote('sentiment', 'production', '1.1.0', { promotedBy: 'b', now: at(1) });
    // Same instant and version as the first entry: the create-only write must fail, pointer untouched.
    await expect(registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'x', now: at(0) })).rejects.toThrow(
      "A promotion of sentiment 1.0.0 to 'production' at 2026-11-04T12:00:00.000Z is already recorded; re-run to retry.",
    );
    expect(JSON.parse((await rawGet(s3, bucket, `${envs}production/history/2026-11-04T12-00-00-000Z-1.0.0.json`)).toString()).promotedBy).toBe('a');
    expect((await registry.pointer('sentiment', 'production'))?.version).toBe('1.1.0');
  });

  it('does nothing when the environment already points at that version (re-runs converge)', async () => {
    await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'a', now: at(0) });
    const again = await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'b', now: at(3) });
    expect(again.changed).toBe(false);
    expect(again.pointer.promotedBy).toBe('a');
    expect(await registry.history('sentiment', 'production')).toHaveLength(1);
  });

  it('refuses a version that does not exist or whose digest is not the one the verdict was for, writing nothing', async () => {
    await expect(registry.promote('sentiment', 'production', '9.9.9', { promotedBy: 'a' })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(registry.promote('sentiment', 'production', '1.1.0', { promotedBy: 'a', expectedDigest: digests['1.0.0'] })).rejects.toThrow(
      `Refusing to promote sentiment 1.1.0 to 'production': its manifest digest is ${digests['1.1.0']}, but the verdict was for ${digests['1.0.0']}.`,
    );
    expect(await registry.pointer('sentiment', 'production')).toBeUndefined();
    expect(await registry.history('sentiment', 'production')).toEqual([]);
  });

  it('refuses a pointer that changed under it since it was read (If-Match)', async () => {
    await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'a', now: at(0) });
    // A concurrent promotion replaces the pointer between our read and our write: simulated by a store whose
    // next pointer read returns the stale ETag.
    const store = registry.store;
    const get = store.get.bind(store);
    store.get = async (key: string) => {
      const object = await get(key);
      if (key.endsWith('environments/production.json') && object) {
        await rawPut(s3, bucket, `${envs}production.json`, object.bytes.toString().replace('"a"', '"someone-else"'));
      }
      return object;
    };
    await expect(registry.promote('sentiment', 'production', '1.1.0', { promotedBy: 'b', now: at(1) })).rejects.toThrow(
      "The 'production' pointer of model 'sentiment' changed while promoting 1.1.0 (a concurrent promotion); re-run to retry.",
    );
    store.get = get;
    expect((await registry.pointer('sentiment', 'production'))?.promotedBy).toBe('someone-else');
  });

  it('refuses to resolve an environment whose pointer digest no longer matches the manifest', async () => {
    await registry.promote('sentiment', 'production', '1.0.0', { promotedBy: 'a', now: at(0) });
    const pointer = JSON.parse((await rawGet(s3, bucket, `${envs}production.json`)).toString());
    await rawPut(s3, bucket, `${envs}production.json`, JSON.stringify({ ...pointer, manifestDigest: digests['1.1.0'] }));
    await expect(registry.resolve('sentiment', { kind: 'environment', environment: 'production' })).rejects.toBeInstanceOf(IntegrityError);
  });
});

describe('stored validation results', () => {
  it('stores a suite report beside the version with its digest, for the next candidate to compare with', async () => {
    const report = { verdict: 'pass', cases: [{ id: 'c1', passRate: 1 }] };
    await registry.storeValidation({ model: 'sentiment', version: '1.0.0', suite: 'smoke', manifestDigest: digests['1.0.0'], report, storedAt: 't0' });
    expect(await registry.readValidation('sentiment', '1.0.0', 'smoke')).toEqual({
      model: 'sentiment', version: '1.0.0', suite: 'smoke', manifestDigest: digests['1.0.0'], storedAt: 't0', report,
    });
    expect(await rawGet(s3, bucket, 'team/models/models/sentiment/versions/1.0.0/validations/smoke.json')).toBeDefined();
    expect(await registry.readValidation('sentiment', '1.0.0', 'other-suite')).toBeUndefined();
  });

  it('refuses to store a report computed on another artifact', async () => {
    await expect(
      registry.storeValidation({ model: 'sentiment', version: '1.0.0', suite: 'smoke', manifestDigest: digests['1.1.0'], report: {} }),
    ).rejects.toThrow(/Not storing the 'smoke' report of sentiment 1\.0\.0: it was computed on sha256:/);
    expect(await registry.readValidation('sentiment', '1.0.0', 'smoke')).toBeUndefined();
  });
});
