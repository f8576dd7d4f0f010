import { describe, expect, it } from '@jest/globals';
import { IntegrityError } from '../../shared/registry/errors.js';
import { manifestDigest, parseManifest, serializeManifest, type ModelManifest } from '../../shared/registry/manifest.js';
import { unsafePathReason } from '../../shared/registry/manifest-path.js';

const sha = 'a'.repeat(64);
const manifest = (files: unknown[]): ModelManifest =>
  ({ schemaVersion: 1, name: 'm', version: '1.0.0', framework: 'onnx', createdAt: 't', createdBy: 'me', tags: {}, metrics: { f1: 0.9 }, files }) as ModelManifest;
const parse = (m: unknown) => parseManifest(Buffer.from(JSON.stringify(m)), 'test');

describe('manifest paths', () => {
  it.each([
    ['../secrets', 'it has a `..` segment'],
    ['weights/../../x', 'it has a `..` segment'],
    ['/etc/passwd', 'it is absolute'],
    ['weights\\model.bin', 'it contains a backslash'],
    ['C:/x', 'it starts with a drive letter'],
    ['a//b', 'it has an empty segment'],
    ['a/', 'it has an empty segment'],
    ['./a', 'it has a `.` segment'],
    ['', 'it is empty'],
  ])('refuses %j because %s', (path, reason) => {
    expect(unsafePathReason(path)).toBe(reason);
  });

  it('accepts nested relative paths', () => {
    expect(unsafePathReason('weights/layer.0/model.safetensors')).toBeUndefined();
  });

  it('refuses a manifest with an escaping path, naming the path', () => {
    const error = (() => {
      try {
        parse(manifest([{ path: '../../outside', size: 1, sha256: sha }]));
      } catch (e) {
        return e as IntegrityError;
      }
    })();
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error?.file).toBe('../../outside');
    expect(error?.message).toContain('"../../outside" is refused: it has a `..` segment');
  });

  it('refuses duplicate paths and a path that is both a file and a folder', () => {
    expect(() => parse(manifest([{ path: 'a', size: 1, sha256: sha }, { path: 'a', size: 1, sha256: sha }]))).toThrow('Manifest lists "a" twice.');
    expect(() => parse(manifest([{ path: 'a', size: 1, sha256: sha }, { path: 'a/b', size: 1, sha256: sha }]))).toThrow(/"a" as a file and as the folder of "a\/b"/);
  });
});

describe('manifest contents', () => {
  it('round-trips through its bytes and digests them as sha256:<hex>', () => {
    const m = manifest([{ path: 'model.bin', size: 3, sha256: sha }]);
    const bytes = serializeManifest(m);
    expect(parseManifest(bytes, 'test')).toEqual(m);
    expect(manifestDigest(bytes)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(manifestDigest(bytes)).not.toBe(manifestDigest(serializeManifest({ ...m, version: '1.0.1' })));
  });

  it.each([
    [{ ...manifest([]), schemaVersion: 2 }, /unsupported schemaVersion 2/],
    [manifest([{ path: 'x', size: -1, sha256: sha }]), /file "x" has no valid `size`/],
    [manifest([{ path: 'x', size: 1, sha256: 'ABC' }]), /file "x" has no valid `sha256`/],
    [{ ...manifest([]), metrics: { f1: 'high' } }, /`metrics` must map names to finite numbers/],
  ])('refuses a malformed manifest clearly (%#)', (m, message) => {
    expect(() => parse(m)).toThrow(message);
  });

  it('refuses bytes that are not JSON', () => {
    expect(() => parseManifest(Buffer.from('{'), 's3://b/m.json')).toThrow(/Manifest s3:\/\/b\/m.json is not valid JSON/);
  });
});
