import { describe, expect, it } from '@jest/globals';
import { isLoopbackRegistry, parseImageInput, parseImageReference, parseTag, registryApiHost } from '../../shared/image/reference.js';
import { ConfigurationError } from '../../shared/errors.js';

const DIGEST = `sha256:${'0f'.repeat(32)}`;

describe('image references', () => {
  it('splits host, repository, tag and digest', () => {
    expect(parseImageReference(`127.0.0.1:5000/team/app:v1@${DIGEST}`)).toEqual({ registry: '127.0.0.1:5000', repository: 'team/app', tag: 'v1', digest: DIGEST });
    expect(parseImageReference('ghcr.io/acme/model-server:1.2.3')).toEqual({ registry: 'ghcr.io', repository: 'acme/model-server', tag: '1.2.3', digest: undefined });
    expect(parseImageReference('localhost/app')).toMatchObject({ registry: 'localhost', repository: 'app' });
  });

  it('reads short names as Docker Hub, whose API lives on registry-1.docker.io', () => {
    expect(parseImageReference('nginx:1.27')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' });
    expect(parseImageReference('acme/app')).toMatchObject({ registry: 'docker.io', repository: 'acme/app' });
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
  });

  it('speaks plain HTTP only to loopback registries', () => {
    expect([isLoopbackRegistry('127.0.0.1:5000'), isLoopbackRegistry('localhost:5000'), isLoopbackRegistry('ghcr.io'), isLoopbackRegistry('127.example.com')]).toEqual([true, true, false, false]);
  });

  it('refuses a bad digest, a bad tag and upper-case paths', () => {
    expect(() => parseImageReference('ghcr.io/a/b@sha256:abc')).toThrow("'sha256:abc' is not a sha256 digest");
    expect(() => parseImageReference('ghcr.io/a/b:-x')).toThrow("'-x' is not a valid tag");
    expect(() => parseImageReference('ghcr.io/A/b')).toThrow(/'A\/b' is not a repository path/);
  });

  it('an input naming an image must carry a tag or a digest', () => {
    expect(parseImageInput(`ghcr.io/a/b@${DIGEST}`, 'image').digest).toBe(DIGEST);
    expect(() => parseImageInput('ghcr.io/a/b', 'image')).toThrow(ConfigurationError);
    expect(() => parseImageInput('ghcr.io/a/b', 'image')).toThrow(/^Invalid `image`: 'ghcr.io\/a\/b'. Expected an image reference with a tag or digest/);
  });

  it('a tag input names the input and the allowed characters', () => {
    expect(parseTag(' prod ', 'image-tag')).toBe('prod');
    expect(() => parseTag('prod:eu', 'image-tag')).toThrow("Invalid `image-tag`: 'prod:eu'. Expected a tag of letters, digits, '_', '.' and '-' (not starting with '.' or '-'), at most 128 characters.");
  });
});
