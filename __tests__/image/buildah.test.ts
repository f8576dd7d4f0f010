import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BuildEnvironment, BuildSpec } from '../../shared/image/build-spec.js';
import { BuildahBuilder, buildahBudCommand } from '../../shared/image/buildah.js';
import { describeImage } from '../../shared/image/describe.js';
import { OCI_INDEX } from '../../shared/image/media-types.js';
import { parseImageReference } from '../../shared/image/reference.js';
import { RegistryClient } from '../../shared/image/registry-client.js';
import { buildahEnv, buildContext, pushBaseImage, registries, skopeoDigest, tempDir, uniqueRepository, type TestRegistry } from './support.js';

const { open, auth } = registries();
const saved = { ...process.env };
beforeAll(() => {
  Object.assign(process.env, buildahEnv());
});
afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
});

const DOCKERFILE = `FROM scratch AS weights
ARG MODEL_VERSION=unset
LABEL stage=weights model.version=$MODEL_VERSION
COPY weights.txt /weights.txt

FROM scratch AS server
ARG MODEL_VERSION=unset
LABEL stage=server model.version=$MODEL_VERSION
COPY server.txt /server.txt
COPY weights.txt /weights.txt
`;

function spec(registry: TestRegistry, repository: string, overrides: Partial<BuildSpec> = {}): BuildSpec {
  const context = buildContext({ Dockerfile: DOCKERFILE, 'weights.txt': 'w1\n', 'server.txt': 'serve\n' });
  return {
    context,
    file: `${context}/Dockerfile`,
    image: parseImageReference(`${registry.host}/${repository}`),
    tags: ['1.0.0', 'sha-0123456', 'main'],
    platforms: [],
    push: true,
    buildArgs: { MODEL_VERSION: 'v7' },
    labels: { 'org.opencontainers.image.revision': '0123456789abcdef' },
    cache: 'none',
    ...overrides,
  };
}

function environment(registry: TestRegistry, warnings: string[] = []): BuildEnvironment & { registry: RegistryClient } {
  return {
    registry: new RegistryClient({ registry: registry.host, credentials: registry.credentials }),
    credentials: registry.credentials,
    plainHttp: true,
    workDir: tempDir(),
    warn: (m) => warnings.push(m),
  };
}

async function imageConfig(client: RegistryClient, repository: string, digest: string): Promise<{ config: { Labels?: Record<string, string> }; architecture: string }> {
  const manifest = JSON.parse((await client.getManifest(repository, digest)).bytes.toString('utf8')) as { config: { digest: string } };
  return client.getBlobJson(repository, manifest.config.digest);
}

describe('BuildahBuilder against the sandbox registry', () => {
  it('builds, pushes once, and every tag names the digest buildah reported', async () => {
    const repo = uniqueRepository('buildah-tags');
    const s = spec(open, repo);
    const env = environment(open);
    const { digest } = await new BuildahBuilder().build(s, env);

    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    for (const tag of s.tags) expect([tag, skopeoDigest(open, `${repo}:${tag}`)]).toEqual([tag, digest]);
    const config = await imageConfig(env.registry, repo, digest!);
    expect(config.config.Labels).toMatchObject({ stage: 'server', 'model.version': 'v7', 'org.opencontainers.image.revision': '0123456789abcdef' });
  });

  it('stops at the `target` stage', async () => {
    const repo = uniqueRepository('buildah-target');
    const env = environment(open);
    const { digest } = await new BuildahBuilder().build(spec(open, repo, { target: 'weights', tags: ['w'] }), env);
    const config = await imageConfig(env.registry, repo, digest!);
    expect(config.config.Labels).toMatchObject({ stage: 'weights' });
    expect((await describeImage(env.registry, repo, digest!)).images[0].layers).toBe(1);
  });

  it('pushes a multi-platform build as one OCI index', async () => {
    const repo = uniqueRepository('buildah-multi');
    const env = environment(open);
    const s = spec(open, repo, { platforms: ['linux/amd64', 'linux/arm64'], tags: ['multi', 'also'] });
    const { digest } = await new BuildahBuilder().build(s, env);

    const details = await describeImage(env.registry, repo, digest!);
    expect(details.mediaType).toBe(OCI_INDEX);
    expect(details.images.map((i) => i.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    // Without --layers buildah commits a stage's instructions as one layer.
    expect(details.images.map((i) => [i.layers, i.size > 0])).toEqual([[1, true], [1, true]]);
    expect(skopeoDigest(open, `${repo}:also`)).toBe(digest);
  });

  it('builds from a base image in a registry with htpasswd auth and pushes there through an auth file', async () => {
    const repo = uniqueRepository('buildah-auth');
    pushBaseImage(auth, `${repo}-base`, '1');
    const context = buildContext({ Dockerfile: `FROM ${auth.host}/${repo}-base:1\nCOPY model.txt /model.txt\n`, 'model.txt': 'm\n' });
    const s = spec(auth, repo, { context, file: `${context}/Dockerfile`, tags: ['v1', 'v1.0'] });
    const bud = buildahBudCommand(s, { authFile: '/x/auth.json', plainHttp: true });
    expect(bud.args.join(' ')).not.toContain(auth.credentials.password);

    const { digest } = await new BuildahBuilder().build(s, environment(auth));
    expect(skopeoDigest(auth, `${repo}:v1`)).toBe(digest);
    expect(skopeoDigest(auth, `${repo}:v1.0`)).toBe(digest);
  });

  it('quotes buildah\'s failing line when a COPY source is missing', async () => {
    const context = buildContext({ Dockerfile: 'FROM scratch\nCOPY missing-model.bin /model.bin\n' });
    const s = spec(open, uniqueRepository('buildah-fail'), { context, file: `${context}/Dockerfile` });
    await expect(new BuildahBuilder().build(s, environment(open))).rejects.toThrow(/^buildah bud failed \(exit code \d+\): .*missing-model\.bin.*(no such file|not found|does not exist)/i);
  });

  it('quotes the registry\'s refusal when pushing without credentials', async () => {
    const repo = uniqueRepository('buildah-noauth');
    const s = spec(auth, repo, { tags: ['v1'] });
    const env = { ...environment({ host: auth.host }), credentials: undefined };
    await expect(new BuildahBuilder().build(s, env)).rejects.toThrow(/^buildah push of .*:v1 failed \(exit code \d+\): .*(authentication required|unauthorized)/i);
  });

  it('warns that the gha cache needs buildx, and builds anyway', async () => {
    const warnings: string[] = [];
    const { digest } = await new BuildahBuilder().build(spec(open, uniqueRepository('buildah-gha'), { cache: 'gha', tags: ['x'] }), environment(open, warnings));
    expect(digest).toBeDefined();
    expect(warnings).toEqual(['`cache: gha` needs buildx; buildah builds without a cache.']);
  });
});
