import { describe, expect, it } from '@jest/globals';
import { retagImage } from '../../shared/image/retag.js';
import { RegistryClient } from '../../shared/image/registry-client.js';
import { DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from '../../shared/image/media-types.js';
import { RegistryAuthError } from '../../shared/image/registry-auth.js';
import { pushBaseImage, registries, skopeoDigest, uniqueRepository } from './support.js';

const { open, auth } = registries();

describe('retagImage on a real registry', () => {
  it('points a new tag at the source tag\'s digest without moving layers (OCI manifest)', async () => {
    const repo = uniqueRepository('retag-oci');
    pushBaseImage(open, repo, 'build-1');
    const before = skopeoDigest(open, `${repo}:build-1`);

    const result = await retagImage({ source: `${open.host}/${repo}:build-1`, tag: 'prod' });

    expect(result).toEqual({ image: `${open.host}/${repo}@${before}`, digest: before, reference: `${open.host}/${repo}:prod`, previousDigest: undefined, changed: true });
    expect(skopeoDigest(open, `${repo}:prod`)).toBe(before);
    const stored = await new RegistryClient({ registry: open.host }).headManifest(repo, 'prod');
    expect(stored?.mediaType).toBe(OCI_MANIFEST);
  });

  it('keeps the Docker v2 media type of a Docker manifest', async () => {
    const repo = uniqueRepository('retag-docker');
    pushBaseImage(open, repo, 'v1', 'v2s2');
    const result = await retagImage({ source: `${open.host}/${repo}:v1`, tag: 'stable' });
    const stored = await new RegistryClient({ registry: open.host }).headManifest(repo, 'stable');
    expect(stored).toMatchObject({ mediaType: DOCKER_MANIFEST, digest: result.digest });
    expect(skopeoDigest(open, `${repo}:stable`)).toBe(skopeoDigest(open, `${repo}:v1`));
  });

  it('moves an existing tag to a digest, reports what it named before, and changes nothing on a re-run', async () => {
    const repo = uniqueRepository('retag-move');
    pushBaseImage(open, repo, 'old', 'v2s2');
    pushBaseImage(open, repo, 'new', 'oci');
    const oldDigest = skopeoDigest(open, `${repo}:old`);
    const newDigest = skopeoDigest(open, `${repo}:new`);
    expect(newDigest).not.toBe(oldDigest);
    await retagImage({ source: `${open.host}/${repo}:old`, tag: 'prod' });

    const moved = await retagImage({ source: `${open.host}/${repo}@${newDigest}`, tag: 'prod' });
    expect(moved).toMatchObject({ digest: newDigest, previousDigest: oldDigest, changed: true });
    expect(skopeoDigest(open, `${repo}:prod`)).toBe(newDigest);

    const again = await retagImage({ source: `${open.host}/${repo}@${newDigest}`, tag: 'prod' });
    expect(again).toMatchObject({ digest: newDigest, previousDigest: newDigest, changed: false });
  });

  it('copies an OCI index (multi-platform) byte for byte', async () => {
    const repo = uniqueRepository('retag-index');
    pushBaseImage(open, repo, 'amd64');
    const client = new RegistryClient({ registry: open.host });
    const child = await client.getManifest(repo, 'amd64');
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: OCI_MANIFEST, digest: child.digest, size: child.size, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    const indexDigest = await client.putManifest(repo, 'multi', { bytes: index, mediaType: OCI_INDEX });

    const result = await retagImage({ source: `${open.host}/${repo}:multi`, tag: 'prod', client });
    expect(result.digest).toBe(indexDigest);
    expect(await client.headManifest(repo, 'prod')).toMatchObject({ digest: indexDigest, mediaType: OCI_INDEX });
  });

  it('fails clearly when the source does not exist, and writes no tag', async () => {
    const repo = uniqueRepository('retag-missing');
    pushBaseImage(open, repo, 'v1');
    await expect(retagImage({ source: `${open.host}/${repo}:nope`, tag: 'prod' })).rejects.toThrow(/Could not read the manifest of .*:nope .*HTTP 404.*MANIFEST_UNKNOWN/);
    expect(await new RegistryClient({ registry: open.host }).headManifest(repo, 'prod')).toBeUndefined();
  });

  it('refuses a tag with invalid characters before asking the registry', async () => {
    await expect(retagImage({ source: `${open.host}/x/y:v1`, tag: 'prod/eu' })).rejects.toThrow(/Cannot retag to 'prod\/eu': expected a tag of letters/);
  });
});

describe('retagImage with htpasswd (Basic) auth', () => {
  it('retags with the right credentials', async () => {
    const repo = uniqueRepository('retag-auth');
    pushBaseImage(auth, repo, 'v1');
    const result = await retagImage({ source: `${auth.host}/${repo}:v1`, tag: 'prod', credentials: auth.credentials });
    expect(skopeoDigest(auth, `${repo}:prod`)).toBe(result.digest);
  });

  it('says the registry needs credentials when none are given', async () => {
    const error = await retagImage({ source: `${auth.host}/any/repo:v1`, tag: 'prod' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toBe(
      `Registry ${auth.host} requires credentials and none were given (set \`registry-username\` and \`registry-password\`, REGISTRY_USERNAME/REGISTRY_PASSWORD, or log in first).`,
    );
  });

  it('says the registry refused a wrong password, naming the user and never the password', async () => {
    const error = (await retagImage({ source: `${auth.host}/any/repo:v1`, tag: 'prod', credentials: { username: 'sandbox', password: 'wrong-password' } }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RegistryAuthError);
    expect(error.message).toMatch(new RegExp(`^Registry ${auth.host.replace(/\./g, '\\.')} refused the credentials of user 'sandbox' \\(HTTP 401`));
    expect(error.message).not.toContain('wrong-password');
  });
});
