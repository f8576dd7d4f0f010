import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskSecret } from '../action/secrets.js';

/** Registry credentials; the password is masked as soon as it is read. */
export interface Credentials {
  username: string;
  password: string;
}

interface AuthConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** `https://index.docker.io/v1/` and `docker.io` are one registry; so are `https://ghcr.io` and `ghcr.io`. */
function normalizeHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** The files Docker and buildah/podman keep logins in, in the order they are consulted. */
export function authConfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json'));
  return paths;
}

function readAuthConfig(path: string): AuthConfig {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AuthConfig;
  } catch {
    return {};
  }
}

/** Credentials a `docker login` (or `buildah login`) left for this registry, if stored in the file itself. */
export function credentialsFromAuthConfig(registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const wanted = normalizeHost(registry);
  for (const path of authConfigPaths(env)) {
    for (const [key, entry] of Object.entries(readAuthConfig(path).auths ?? {})) {
      if (normalizeHost(key) !== wanted) continue;
      let { username, password } = entry;
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      }
      if (username && password) {
        maskSecret(password);
        return { username, password };
      }
    }
  }
  return undefined;
}

/** True when Docker keeps this registry's login in a credential helper we cannot read (but Docker can). */
export function hasCredentialHelper(registry: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const wanted = normalizeHost(registry);
  return authConfigPaths(env).some((path) => {
    const config = readAuthConfig(path);
    return Boolean(config.credsStore) || Object.keys(config.credHelpers ?? {}).some((k) => normalizeHost(k) === wanted);
  });
}

/**
 * Writes a containers-auth.json (0600, in a fresh folder inside `parent`: the build's work folder, which
 * every exit path removes, cancel included) for one registry, so tools get the password through a file
 * rather than their command line. Returns the path and a cleanup.
 */
export async function writeAuthFile(registry: string, credentials: Credentials, parent = tmpdir()): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(parent, 'ai-deploy-auth-'));
  const path = join(dir, 'auth.json');
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  await writeFile(path, JSON.stringify({ auths: { [registry]: { auth } } }), { mode: 0o600 });
  await chmod(path, 0o600);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
