import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { BuildEnvironment, BuildSpec } from '../../shared/image/build-spec.js';
import { BuildxBuilder, buildxCommand } from '../../shared/image/buildx.js';
import { chooseBuilder } from '../../shared/image/choose-builder.js';
import { parseImageReference } from '../../shared/image/reference.js';
import { RegistryClient } from '../../shared/image/registry-client.js';
import { fakeDocker } from './fake-docker.js';
import { tempDir } from './support.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const image = parseImageReference('ghcr.io/acme/model-server');

function spec(overrides: Partial<BuildSpec> = {}): BuildSpec {
  return {
    context: '/work/ctx',
    file: '/work/ctx/Dockerfile',
    image,
    tags: ['1.2.3', 'sha-abc1234'],
    platforms: [],
    push: true,
    buildArgs: {},
    labels: {},
    cache: 'none',
    ...overrides,
  };
}

function environment(overrides: Partial<BuildEnvironment> = {}): BuildEnvironment {
  return { registry: new RegistryClient({ registry: 'ghcr.io' }), plainHttp: false, workDir: tempDir(), warn: () => undefined, ...overrides };
}

describe('buildx arguments for each input combination', () => {
  it('pushes every tag with the metadata file, for the minimal spec', () => {
    expect(buildxCommand(spec(), '/tmp/m.json')).toEqual({
      command: 'docker',
      args: ['buildx', 'build', '--file', '/work/ctx/Dockerfile', '--tag', 'ghcr.io/acme/model-server:1.2.3', '--tag', 'ghcr.io/acme/model-server:sha-abc1234', '--push', '--metadata-file', '/tmp/m.json', '/work/ctx'],
    });
  });

  it('passes target, platforms, build args and labels in order, each as its own argument', () => {
    const cmd = buildxCommand(
      spec({ target: 'runtime', platforms: ['linux/amd64', 'linux/arm64'], buildArgs: { MODEL: 'v7', EXTRA: 'a b=c' }, labels: { 'org.opencontainers.image.revision': 'abc', team: 'ml ops' }, tags: ['v1'] }),
      '/m.json',
    );
    expect(cmd.args).toEqual([
      'buildx', 'build', '--file', '/work/ctx/Dockerfile', '--target', 'runtime', '--platform', 'linux/amd64,linux/arm64',
      '--build-arg', 'MODEL=v7', '--build-arg', 'EXTRA=a b=c', '--label', 'org.opencontainers.image.revision=abc', '--label', 'team=ml ops',
      '--tag', 'ghcr.io/acme/model-server:v1', '--push', '--metadata-file', '/m.json', '/work/ctx',
    ]);
  });

  it('imports and exports the GitHub Actions cache for cache: gha', () => {
    expect(buildxCommand(spec({ cache: 'gha', tags: ['v1'] }), '/m.json').args.slice(6, 10)).toEqual(['--cache-from', 'type=gha', '--cache-to', 'type=gha,mode=max']);
  });

  it('uses <image>:buildcache for cache: registry', () => {
    expect(buildxCommand(spec({ cache: 'registry', tags: ['v1'] }), '/m.json').args.slice(6, 10)).toEqual([
      '--cache-from', 'type=registry,ref=ghcr.io/acme/model-server:buildcache', '--cache-to', 'type=registry,ref=ghcr.io/acme/model-server:buildcache,mode=max',
    ]);
  });

  it('only reads caches and loads the image into Docker when not pushing one platform', () => {
    expect(buildxCommand(spec({ cache: 'registry', push: false, tags: ['v1'] }), '/m.json').args.slice(6)).toEqual([
      '--cache-from', 'type=registry,ref=ghcr.io/acme/model-server:buildcache', '--load', '--metadata-file', '/m.json', '/work/ctx',
    ]);
    expect(buildxCommand(spec({ cache: 'gha', push: false, tags: ['v1'] }), '/m.json').args.slice(6)).toEqual(['--cache-from', 'type=gha', '--load', '--metadata-file', '/m.json', '/work/ctx']);
  });

  it('neither pushes nor loads a multi-platform build without push (Docker cannot load it)', () => {
    const args = buildxCommand(spec({ push: false, platforms: ['linux/amd64', 'linux/arm64'], tags: ['v1'] }), '/m.json').args;
    expect(args).not.toContain('--load');
    expect(args).not.toContain('--push');
  });

  it('adds no cache flags for cache: none', () => {
    expect(buildxCommand(spec({ cache: 'none' }), '/m.json').args.filter((a) => a.startsWith('--cache'))).toEqual([]);
  });
});

describe('BuildxBuilder with a fake docker on PATH', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });
  const usePath = (dir: string) => {
    process.env.PATH = `${dir}:${savedPath}`;
  };

  it('reads the pushed digest from the metadata file buildx wrote', async () => {
    const docker = fakeDocker({ daemon: true, digest: DIGEST });
    usePath(docker.binDir);
    const env = environment();
    const result = await new BuildxBuilder().build(spec(), env);
    expect(result).toEqual({ digest: DIGEST });
    expect(docker.calls().map((c) => c.args)).toEqual([buildxCommand(spec(), join(env.workDir, 'buildx-metadata.json')).args]);
  });

  it('logs in with the password on stdin, never in the arguments', async () => {
    const docker = fakeDocker({ daemon: true, digest: DIGEST });
    usePath(docker.binDir);
    await new BuildxBuilder().build(spec(), environment({ credentials: { username: 'bot', password: 's3cret-token' } }));
    const [login, build] = docker.calls();
    expect(login).toEqual({ args: ['login', '--username', 'bot', '--password-stdin', 'ghcr.io'], stdin: 's3cret-token' });
    expect(JSON.stringify(build.args)).not.toContain('s3cret-token');
  });

  it('logs out after the build, failed or not, when the credentials were the action\'s own', async () => {
    const ok = fakeDocker({ daemon: true, digest: DIGEST });
    usePath(ok.binDir);
    await new BuildxBuilder().build(spec(), { ...environment({ credentials: { username: 'bot', password: 's3cret-token' } }), logoutAfter: true });
    expect(ok.calls().map((c) => c.args[0])).toEqual(['login', 'buildx', 'logout']);
    expect(ok.calls().at(-1)!.args).toEqual(['logout', 'ghcr.io']);

    const failing = fakeDocker({ daemon: true, failWith: ['ERROR: failed to solve'] });
    usePath(failing.binDir);
    await expect(new BuildxBuilder().build(spec(), { ...environment({ credentials: { username: 'bot', password: 's3cret-token' } }), logoutAfter: true })).rejects.toThrow(/failed to solve/);
    expect(failing.calls().map((c) => c.args[0])).toEqual(['login', 'buildx', 'logout']);
  });

  it('quotes the failing line of the build output in the error', async () => {
    const docker = fakeDocker({
      daemon: true,
      failWith: ['#5 [2/3] COPY model.bin /srv/', '#5 ERROR: failed to calculate checksum of ref: "/model.bin": not found', '------', 'ERROR: failed to solve: failed to compute cache key: "/model.bin": not found'],
    });
    usePath(docker.binDir);
    await expect(new BuildxBuilder().build(spec(), environment())).rejects.toThrow(
      'docker buildx build failed (exit code 1): ERROR: failed to solve: failed to compute cache key: "/model.bin": not found',
    );
  });

  it('fails when a push leaves no digest in the metadata file', async () => {
    usePath(fakeDocker({ daemon: true }).binDir);
    await expect(new BuildxBuilder().build(spec(), environment())).rejects.toThrow(/metadata file holds no digest/);
  });
});

describe('choosing the builder', () => {
  const savedPath = process.env.PATH;
  beforeEach(() => {
    process.env.PATH = savedPath;
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('auto takes buildx when `docker info` answers', async () => {
    process.env.PATH = `${fakeDocker({ daemon: true }).binDir}:${savedPath}`;
    expect((await chooseBuilder('auto')).name).toBe('buildx');
  });

  it('auto takes buildah when no Docker daemon answers', async () => {
    process.env.PATH = `${fakeDocker({ daemon: false }).binDir}:${savedPath}`;
    expect((await chooseBuilder('auto')).name).toBe('buildah');
  });

  it('auto takes buildah when docker is not even installed', async () => {
    process.env.PATH = tempDir();
    expect((await chooseBuilder('auto')).name).toBe('buildah');
  });

  it('buildx without a daemon fails with the reason docker gave', async () => {
    process.env.PATH = `${fakeDocker({ daemon: false }).binDir}:${savedPath}`;
    await expect(chooseBuilder('buildx')).rejects.toThrow(
      '`builder: buildx` needs a Docker daemon, and none answered (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?). Use `builder: buildah` or `auto` on runners without Docker.',
    );
  });
});
