import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxEnv } from '../../sandbox/env.mjs';
import type { Credentials } from '../../shared/image/credentials.js';

const execFileAsync = promisify(execFile);

export interface TestRegistry {
  host: string;
  credentials?: Credentials;
}

/**
 * The sandbox's two registries: open, and htpasswd (Basic) auth. REGISTRY, REGISTRY_AUTH, REGISTRY_USER and
 * REGISTRY_PASSWORD in the environment (as `npm run sandbox -- status` prints them) stand in while other parts are still coming up.
 */
export function registries(): { open: TestRegistry; auth: TestRegistry & { credentials: Credentials } } {
  const e = process.env;
  const env =
    e.REGISTRY && e.REGISTRY_AUTH && e.REGISTRY_USER && e.REGISTRY_PASSWORD
      ? { registry: e.REGISTRY, registryAuth: { host: e.REGISTRY_AUTH, user: e.REGISTRY_USER, password: e.REGISTRY_PASSWORD } }
      : sandboxEnv();
  return {
    open: { host: env.registry },
    auth: { host: env.registryAuth.host, credentials: { username: env.registryAuth.user, password: env.registryAuth.password } },
  };
}

/** A repository name no other test run uses. */
export function uniqueRepository(prefix: string): string {
  return `ai-deploy-test/${prefix}-${randomBytes(4).toString('hex')}`;
}

export function tempDir(prefix = 'ai-deploy-image-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Environment for buildah in a test: its own vfs storage in a temp folder (through
 * CONTAINERS_STORAGE_CONF, as a runner's admin would configure it) and chroot isolation.
 */
export function buildahEnv(): Record<string, string> {
  const dir = tempDir('ai-deploy-buildah-');
  const conf = join(dir, 'storage.conf');
  writeFileSync(conf, `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'root')}"\nrunroot = "${join(dir, 'run')}"\n`);
  return { CONTAINERS_STORAGE_CONF: conf, BUILDAH_ISOLATION: 'chroot' };
}

/** A build context: a folder holding the given files (e.g. `Dockerfile`, `model.txt`). */
export function buildContext(files: Record<string, string>): string {
  const dir = tempDir('ai-deploy-context-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/** An executable script in a fresh folder, for fakes of tools that cannot run here (docker daemon, trivy). */
export function fakeTool(name: string, script: string): string {
  const dir = tempDir(`ai-deploy-fake-${name}-`);
  writeFileSync(join(dir, name), script);
  chmodSync(join(dir, name), 0o755);
  return dir;
}

function baseImageCommands(registry: TestRegistry, repository: string, tag: string, format: 'oci' | 'v2s2'): [string, string[]][] {
  const layout = join(tempDir('ai-deploy-base-'), 'layout');
  const copy = ['copy', '--quiet', '--dest-tls-verify=false', '--format', format];
  if (registry.credentials) copy.push('--dest-creds', `${registry.credentials.username}:${registry.credentials.password}`);
  return [
    ['umoci', ['init', '--layout', layout]],
    ['umoci', ['new', '--image', `${layout}:base`]],
    ['skopeo', [...copy, `oci:${layout}:base`, `docker://${registry.host}/${repository}:${tag}`]],
  ];
}

function inspectArgs(registry: TestRegistry, reference: string): string[] {
  const args = ['inspect', '--raw', '--tls-verify=false'];
  if (registry.credentials) args.push('--creds', `${registry.credentials.username}:${registry.credentials.password}`);
  return [...args, `docker://${registry.host}/${reference}`];
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** An OCI layout holding one small image (`<layout>:base`), made with umoci. */
export function ociLayout(): string {
  const layout = join(tempDir('ai-deploy-layout-'), 'layout');
  execFileSync('umoci', ['init', '--layout', layout]);
  execFileSync('umoci', ['new', '--image', `${layout}:base`]);
  return `${layout}:base`;
}

/** A base image made locally with umoci (no public registry here) and copied to a registry by skopeo. */
export function pushBaseImage(registry: TestRegistry, repository: string, tag: string, format: 'oci' | 'v2s2' = 'oci'): void {
  for (const [cmd, args] of baseImageCommands(registry, repository, tag, format)) execFileSync(cmd, args);
}

/** What a registry says a reference points at, asked with skopeo (not with our client). */
export function skopeoDigest(registry: TestRegistry, reference: string): string {
  return sha256(execFileSync('skopeo', inspectArgs(registry, reference)));
}

/** The same, without blocking this process (for registries whose token service runs in the test itself). */
export async function pushBaseImageAsync(registry: TestRegistry, repository: string, tag: string): Promise<void> {
  for (const [cmd, args] of baseImageCommands(registry, repository, tag, 'oci')) await execFileAsync(cmd, args);
}

export async function skopeoDigestAsync(registry: TestRegistry, reference: string): Promise<string> {
  const { stdout } = await execFileAsync('skopeo', inspectArgs(registry, reference), { encoding: 'buffer' });
  return sha256(stdout);
}
