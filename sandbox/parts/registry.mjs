// Two OCI registries (Debian docker-registry, distribution 2.8): an open one and one with htpasswd
// basic auth (user/password generated once, kept in the run dir). buildah/skopeo/umoci are installed too.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, ports, runDir } from '../lib/paths.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { runningPid } from '../lib/process.mjs';
import { healthy } from '../lib/wait.mjs';

export const name = 'registry';
export const daemons = ['registry', 'registry-auth'];
export const aptCommands = {
  'docker-registry': 'docker-registry', htpasswd: 'apache2-utils',
  buildah: 'buildah', skopeo: 'skopeo', umoci: 'umoci', runc: 'runc',
};
const dir = join(runDir, 'registry');
const user = 'sandbox';

function password() {
  const f = join(dir, 'password');
  if (!existsSync(f)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(f, randomBytes(12).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(f, 'utf8').trim();
}

const basic = () => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password()}`).toString('base64')}` } });
const v2 = (port) => `http://${host}:${port}/v2/`;

function config(port, data, auth) {
  return `version: 0.1
log: {level: warn, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: ${data}}, delete: {enabled: true}}
http: {addr: "${host}:${port}", secret: ai-deploy-sandbox}
${auth ? `auth: {htpasswd: {realm: ai-deploy-sandbox, path: ${auth}}}\n` : ''}`;
}

export function env() {
  return {
    REGISTRY: `${host}:${ports.registry}`,
    REGISTRY_AUTH: `${host}:${ports.registryAuth}`,
    REGISTRY_USER: user,
    REGISTRY_PASSWORD: password(),
  };
}

export async function check() {
  if (!runningPid('registry') || !runningPid('registry-auth')) return false;
  return (await healthy(v2(ports.registry))) && healthy(v2(ports.registryAuth), basic());
}

export async function up() {
  mkdirSync(dir, { recursive: true });
  const htpasswd = join(dir, 'htpasswd');
  if (!existsSync(htpasswd)) {
    writeFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', user, password()], { encoding: 'utf8' }));
  }
  const start = (daemon, port, data, auth) => {
    const file = join(dir, `${daemon}.yml`);
    writeFileSync(file, config(port, join(dir, data), auth));
    return ensureDaemon({
      name: daemon, cmd: 'docker-registry', ports: [port], args: ['serve', file],
      check: () => healthy(v2(port), auth ? basic() : {}),
    });
  };
  await Promise.all([
    start('registry', ports.registry, 'data'),
    start('registry-auth', ports.registryAuth, 'data-auth', htpasswd),
  ]);
  return env();
}
