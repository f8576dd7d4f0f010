import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { retagImage } from '../../shared/image/retag.js';
import { RegistryClient } from '../../shared/image/registry-client.js';
import { RegistryAuthError } from '../../shared/image/registry-auth.js';
import { pushBaseImageAsync, skopeoDigestAsync, uniqueRepository } from './support.js';
import { TokenRegistry } from './token-registry.js';

const registry = new TokenRegistry();
beforeAll(() => registry.start());
afterAll(() => registry.stop());

describe('a registry with Bearer token auth (like ghcr.io and Docker Hub)', () => {
  const test = () => ({ host: registry.host, credentials: { username: registry.username, password: registry.password } });

  it('retags after exchanging the credentials for one token per scope', async () => {
    const repo = uniqueRepository('bearer');
    await pushBaseImageAsync(test(), repo, 'v1');
    registry.tokenRequests.length = 0;

    const result = await retagImage({ source: `${registry.host}/${repo}:v1`, tag: 'prod', credentials: test().credentials });

    // The manifest read and the tag look-up run together but share one pull token; the write needs push.
    expect(registry.tokenRequests).toEqual([
      { scope: `repository:${repo}:pull`, service: 'ai-deploy-registry', user: 'bot' },
      { scope: `repository:${repo}:pull,push`, service: 'ai-deploy-registry', user: 'bot' },
    ]);
    expect(await skopeoDigestAsync(test(), `${repo}:prod`)).toBe(result.digest);
  });

  it('checks push access up front with a token for pull,push', async () => {
    const repo = uniqueRepository('bearer-access');
    await expect(new RegistryClient({ registry: registry.host, credentials: test().credentials }).checkAccess(repo, ['pull', 'push'])).resolves.toBeUndefined();
  });

  it('a wrong password is refused at the token service, with a clear error', async () => {
    const error = (await retagImage({ source: `${registry.host}/any/repo:v1`, tag: 'prod', credentials: { username: 'bot', password: 'nope-nope' } }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(RegistryAuthError);
    expect(error.message).toBe(
      `Registry ${registry.host} refused the credentials of user 'bot' (HTTP 401: {"details":"incorrect username or password"}). Check \`registry-username\` and \`registry-password\`.`,
    );
  });

  it('no credentials: says the registry requires them', async () => {
    await expect(retagImage({ source: `${registry.host}/any/repo:v1`, tag: 'prod' })).rejects.toThrow(`Registry ${registry.host} requires credentials and none were given`);
  });
});
