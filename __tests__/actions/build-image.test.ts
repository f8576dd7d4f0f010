import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient } from '../../shared/image/registry-client.js';
import { ociLayout, registries, skopeoDigest, tempDir, uniqueRepository } from '../image/support.js';
import { fakeDocker } from '../image/fake-docker.js';
import { ranABuilder, runBuildImage, SHA, workspace } from '../image/run-build-image.js';

const { open, auth } = registries();

describe('build-image with buildah and the sandbox registry', () => {
  it('builds, tags from git and inputs, pushes, and outputs the digest the registry holds for every tag', async () => {
    const repo = uniqueRepository('action');
    const image = `${auth.host}/${repo}`;
    const result = await runBuildImage(
      {
        image,
        tags: 'latest',
        'build-args': 'MODEL_VERSION=v7',
        labels: 'team=ml-serving',
        builder: 'buildah',
        'registry-username': auth.credentials.username,
        'registry-password': auth.credentials.password,
      },
      { workspace: workspace(), env: { GITHUB_REF: 'refs/tags/v1.4.2' } },
    );

    expect(result.errors).toEqual([]);
    const tags = ['1.4.2', '1.4', '1', `sha-${SHA.slice(0, 7)}`, 'latest'];
    expect(result.outputs.tags).toBe(tags.map((t) => `${image}:${t}`).join('\n'));
    const digest = skopeoDigest(auth, `${repo}:1.4.2`);
    expect(result.outputs).toMatchObject({ digest, image: `${image}@${digest}` });
    for (const tag of tags) expect([tag, skopeoDigest(auth, `${repo}:${tag}`)]).toEqual([tag, digest]);

    const client = new RegistryClient({ registry: auth.host, credentials: auth.credentials });
    const manifest = JSON.parse((await client.getManifest(repo, digest)).bytes.toString('utf8')) as { config: { digest: string } };
    const config = await client.getBlobJson<{ config: { Labels: Record<string, string> } }>(repo, manifest.config.digest);
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/acme/model-server',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.version': '1.4.2',
      'model.version': 'v7',
      team: 'ml-serving',
    });
    expect(Date.parse(config.config.Labels['org.opencontainers.image.created'])).toBeGreaterThan(Date.now() - 120_000);

    expect(result.summary).toContain(`\`${digest}\``);
    for (const tag of tags) expect(result.summary).toContain(`\`${image}:${tag}\``);
    expect(result.summary).toMatch(/\| Platform \| Size \| Layers \| Manifest \|\n\| --- .*\n\| runner \| \d+(\.\d)? (B|KiB) \| 1 \|/);

    // The password is masked, and appears nowhere else in the log.
    expect(result.stdout).toContain(`::add-mask::${auth.credentials.password}`);
    expect(result.stdout.split(auth.credentials.password).length - 1).toBe(1);
  });

  it('tags a pull request build pr-<n> and sha-<short>, with credentials from a docker login', async () => {
    const repo = uniqueRepository('action-pr');
    const dockerConfig = tempDir();
    const basic = Buffer.from(`${auth.credentials.username}:${auth.credentials.password}`).toString('base64');
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [`http://${auth.host}`]: { auth: basic } } }));
    const result = await runBuildImage(
      { image: `${auth.host}/${repo}`, builder: 'buildah' },
      { workspace: workspace(), env: { GITHUB_REF: 'refs/pull/42/merge', DOCKER_CONFIG: dockerConfig, REGISTRY_AUTH_FILE: join(dockerConfig, 'config.json') } },
    );
    expect(result.errors).toEqual([]);
    expect(result.outputs.tags.split('\n')).toEqual([`${auth.host}/${repo}:pr-42`, `${auth.host}/${repo}:sha-${SHA.slice(0, 7)}`]);
    expect(skopeoDigest(auth, `${repo}:pr-42`)).toBe(result.outputs.digest);
  });

  it('takes credentials from REGISTRY_USERNAME and REGISTRY_PASSWORD', async () => {
    const repo = uniqueRepository('action-env');
    const result = await runBuildImage(
      { image: `${auth.host}/${repo}`, builder: 'buildah', tags: 'candidate' },
      { workspace: workspace(), env: { REGISTRY_USERNAME: auth.credentials.username, REGISTRY_PASSWORD: auth.credentials.password } },
    );
    expect(result.errors).toEqual([]);
    expect(skopeoDigest(auth, `${repo}:candidate`)).toBe(result.outputs.digest);
  });

  it('with push: false builds only: tags are output, nothing reaches the registry', async () => {
    const repo = uniqueRepository('action-nopush');
    const result = await runBuildImage({ image: `${open.host}/${repo}`, builder: 'buildah', push: 'false' }, { workspace: workspace() });
    expect(result.errors).toEqual([]);
    expect(result.outputs).toEqual({ tags: `${open.host}/${repo}:main\n${open.host}/${repo}:sha-${SHA.slice(0, 7)}` });
    expect(await new RegistryClient({ registry: open.host }).headManifest(repo, 'main')).toBeUndefined();
    expect(result.summary).toContain('not pushed (`push: false`)');
  });

  it('auto picks buildah when no Docker daemon answers', async () => {
    const docker = fakeDocker({ daemon: false });
    const repo = uniqueRepository('action-auto');
    const result = await runBuildImage({ image: `${open.host}/${repo}` }, { workspace: workspace(), env: { PATH: `${docker.binDir}:${process.env.PATH}` } });
    expect(result.errors).toEqual([]);
    expect(docker.calls().map((c) => c.args[0])).toEqual(['info']);
    expect(result.summary).toContain('| Builder | buildah |');
    expect(skopeoDigest(open, `${repo}:main`)).toBe(result.outputs.digest);
  });

  it('auto picks buildx when a Docker daemon answers, passing the git labels and tags to it', async () => {
    const docker = fakeDocker({ daemon: true });
    const repo = uniqueRepository('action-buildx');
    const ws = workspace();
    const result = await runBuildImage(
      { image: `${open.host}/${repo}`, push: 'false', platforms: 'linux/arm64', target: '' },
      { workspace: ws, env: { PATH: `${docker.binDir}:${process.env.PATH}` } },
    );
    expect(result.errors).toEqual([]);
    const build = docker.calls().find((c) => c.args[0] === 'buildx')!;
    const created = build.args[build.args.indexOf('--label') + 5];
    expect(build.args.slice(0, -2)).toEqual([
      'buildx', 'build', '--file', join(ws, 'Dockerfile'), '--platform', 'linux/arm64',
      '--label', 'org.opencontainers.image.source=https://github.com/acme/model-server',
      '--label', `org.opencontainers.image.revision=${SHA}`,
      '--label', created,
      '--label', 'org.opencontainers.image.version=main',
      '--tag', `${open.host}/${repo}:main`, '--tag', `${open.host}/${repo}:sha-${SHA.slice(0, 7)}`,
      '--load', '--metadata-file',
    ]);
    expect(created).toMatch(/^org\.opencontainers\.image\.created=\d{4}-\d\d-\d\dT/);
    expect(build.args.at(-1)).toBe(ws);
  });
});

describe('build-image with buildx (a fake docker that pushes for real)', () => {
  it('pushes through buildx and outputs the digest read back from the registry', async () => {
    const docker = fakeDocker({ daemon: true, pushFrom: ociLayout() });
    const repo = uniqueRepository('action-buildx-push');
    const result = await runBuildImage(
      { image: `${auth.host}/${repo}`, 'registry-username': auth.credentials.username, 'registry-password': auth.credentials.password, cache: 'registry' },
      { workspace: workspace(), env: { PATH: `${docker.binDir}:${process.env.PATH}` } },
    );
    expect(result.errors).toEqual([]);
    const digest = skopeoDigest(auth, `${repo}:main`);
    expect(result.outputs).toMatchObject({ digest, image: `${auth.host}/${repo}@${digest}` });
    const [login, build] = docker.calls().filter((c) => c.args[0] !== 'info');
    expect(login).toEqual({ args: ['login', '--username', 'sandbox', '--password-stdin', auth.host], stdin: auth.credentials.password });
    expect(build.args).toEqual(expect.arrayContaining(['--cache-from', `type=registry,ref=${auth.host}/${repo}:buildcache`, '--push']));
    // The action's own credentials do not outlive the build in the runner's Docker config.
    expect(docker.calls().at(-1)!.args).toEqual(['logout', auth.host]);
    expect(result.summary).toContain('| Builder | buildx |');
  });

  it('fails when the registry holds another digest than the one buildx reported', async () => {
    const reported = `sha256:${'e'.repeat(64)}`;
    const docker = fakeDocker({ daemon: true, pushFrom: ociLayout(), digest: reported });
    const repo = uniqueRepository('action-buildx-astray');
    const result = await runBuildImage({ image: `${open.host}/${repo}` }, { workspace: workspace(), env: { PATH: `${docker.binDir}:${process.env.PATH}` } });
    const held = skopeoDigest(open, `${repo}:main`);
    expect(result.errors).toEqual([
      `The pushed tags disagree: the build is ${reported}, but ${open.host}/${repo}:main is ${held}, ${open.host}/${repo}:sha-${SHA.slice(0, 7)} is ${held}.`,
    ]);
    expect(result.outputs.digest).toBeUndefined();
  });
});

describe('build-image refuses credentials the registry rejects before building anything', () => {
  it('a wrong password', async () => {
    const repo = uniqueRepository('action-refused');
    const result = await runBuildImage(
      { image: `${auth.host}/${repo}`, builder: 'buildah', 'registry-username': 'sandbox', 'registry-password': 'not-the-password' },
      { workspace: workspace() },
    );
    expect(result.failed).toBe(true);
    expect(result.errors).toEqual([
      `Registry ${auth.host} refused the credentials of user 'sandbox' (HTTP 401: UNAUTHORIZED: authentication required). Check \`registry-username\` and \`registry-password\`.`,
    ]);
    expect(ranABuilder(result)).toBe(false);
  });

  it('no credentials at all', async () => {
    const result = await runBuildImage({ image: `${auth.host}/${uniqueRepository('action-anon')}`, builder: 'buildah' }, { workspace: workspace() });
    expect(result.errors).toEqual([
      `Registry ${auth.host} requires credentials and none were given (set \`registry-username\` and \`registry-password\`, REGISTRY_USERNAME/REGISTRY_PASSWORD, or log in first).`,
    ]);
    expect(ranABuilder(result)).toBe(false);
  });
});
