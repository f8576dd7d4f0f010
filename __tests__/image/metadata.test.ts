import { describe, expect, it } from '@jest/globals';
import { gitContextFromEnv } from '../../shared/image/git-context.js';
import { imageMetadata, refToTag, semverTags } from '../../shared/image/metadata.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const NOW = new Date('2026-11-22T06:00:00Z');
const git = (ref?: string, sha: string | undefined = SHA) => ({ sha, ref, serverUrl: 'https://github.com', repository: 'acme/model-server' });
const noCommit = { serverUrl: 'https://github.com' };

describe('tags from git metadata', () => {
  it('a branch push: the branch name and sha-<short>', () => {
    expect(imageMetadata(git('refs/heads/main'), [], {}, NOW).tags).toEqual(['main', 'sha-0123456']);
  });

  it('a branch name with slashes becomes a valid tag', () => {
    expect(imageMetadata(git('refs/heads/feature/Model+v2'), [], {}, NOW).tags).toEqual(['feature-Model-v2', 'sha-0123456']);
    expect(refToTag('.hidden/x')).toBe('hidden-x');
    expect(refToTag('a'.repeat(200))).toHaveLength(128);
  });

  it('a pull request: pr-<n>', () => {
    expect(imageMetadata(git('refs/pull/42/merge'), [], {}, NOW).tags).toEqual(['pr-42', 'sha-0123456']);
  });

  it('a v1.2.3 tag: 1.2.3, 1.2 and 1, and the version is 1.2.3', () => {
    const m = imageMetadata(git('refs/tags/v1.2.3'), [], {}, NOW);
    expect(m.tags).toEqual(['1.2.3', '1.2', '1', 'sha-0123456']);
    expect(m.version).toBe('1.2.3');
  });

  it('a pre-release gets only its full version; a 0.x release no bare 0', () => {
    expect(semverTags('v2.0.0-rc.1')).toEqual(['2.0.0-rc.1']);
    expect(semverTags('0.4.1')).toEqual(['0.4.1', '0.4']);
    expect(semverTags('release-7')).toBeUndefined();
  });

  it('a tag that is not a version is used as it is', () => {
    expect(imageMetadata(git('refs/tags/nightly'), [], {}, NOW).tags).toEqual(['nightly', 'sha-0123456']);
  });

  it('user tags follow the derived ones, without duplicates', () => {
    expect(imageMetadata(git('refs/heads/main'), ['latest', 'main'], {}, NOW).tags).toEqual(['main', 'sha-0123456', 'latest']);
  });

  it('outside a workflow run only the user tags remain', () => {
    expect(imageMetadata(noCommit, ['dev'], {}, NOW)).toMatchObject({ tags: ['dev'], version: 'dev' });
  });
});

describe('OCI labels', () => {
  it('source, revision, created and version, with user labels added and overriding', () => {
    const m = imageMetadata(git('refs/tags/v3.1.0'), [], { team: 'ml', 'org.opencontainers.image.source': 'https://example.com/mirror' }, NOW);
    expect(m.labels).toEqual({
      'org.opencontainers.image.source': 'https://example.com/mirror',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.created': '2026-11-22T06:00:00.000Z',
      'org.opencontainers.image.version': '3.1.0',
      team: 'ml',
    });
  });

  it('reads the commit from the runner\'s GITHUB_* variables', () => {
    expect(gitContextFromEnv({ GITHUB_SHA: SHA, GITHUB_REF: 'refs/heads/x', GITHUB_SERVER_URL: 'https://ghe.example', GITHUB_REPOSITORY: 'o/r' })).toEqual({
      sha: SHA,
      ref: 'refs/heads/x',
      serverUrl: 'https://ghe.example',
      repository: 'o/r',
    });
    expect(gitContextFromEnv({ GITHUB_SHA: '' })).toEqual({ sha: undefined, ref: undefined, serverUrl: 'https://github.com', repository: undefined });
  });
});
