// A real forward proxy (Debian's squid), as companies put in front of self-hosted runners. Its own hosts
// file maps names under `sandbox.test` to 127.0.0.1, so `http://model.sandbox.test:<port>/` is reachable
// only through it: the name does not resolve for the test process itself (`.test` is reserved, RFC 2606).
// Requests for `refused.sandbox.test` are refused by the proxy (403), as a company's deny list would.
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, ports, runDir } from '../lib/paths.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { runningPid } from '../lib/process.mjs';
import { get } from '../lib/wait.mjs';

export const name = 'proxy';
export const daemons = ['proxy'];
export const aptCommands = { squid: 'squid' };
// Squid started as root serves as the `proxy` user, which cannot read under root's home: its files go to
// a folder of their own in /var/tmp then.
const asRoot = process.getuid?.() === 0;
const dir = asRoot ? `/var/tmp/ai-deploy-sandbox-proxy-${ports.proxy}` : join(runDir, 'proxy');
export const onlyThroughProxy = 'model.sandbox.test';
export const refusedByProxy = 'refused.sandbox.test';

function config() {
  return `http_port ${host}:${ports.proxy}
pid_filename ${dir}/squid.pid
cache_log ${dir}/cache.log
access_log none
cache deny all
cache_mem 8 MB
coredump_dir ${dir}
hosts_file ${dir}/hosts
shutdown_lifetime 1 seconds
forwarded_for delete
acl sandbox_clients src 127.0.0.1/32
acl refused dstdomain ${refusedByProxy}
http_access deny refused
http_access allow sandbox_clients
http_access deny all
`;
}

export function env() {
  return { PROXY_URL: `http://${host}:${ports.proxy}`, PROXY_ONLY_HOST: onlyThroughProxy, PROXY_REFUSED_HOST: refusedByProxy };
}

/** Squid answers a request for no URL with its own 400 page: any HTTP answer means it is serving. */
async function answers() {
  const r = await get(`http://${host}:${ports.proxy}/`);
  return Boolean(r && r.status);
}

export async function check() {
  return Boolean(runningPid('proxy')) && answers();
}

export async function up() {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'hosts'), `127.0.0.1 ${onlyThroughProxy} ${refusedByProxy}\n`);
  const file = join(dir, 'squid.conf');
  writeFileSync(file, config());
  const proxyUser = asRoot ? systemUser('proxy') : undefined;
  if (proxyUser) chownSync(dir, proxyUser.uid, proxyUser.gid);
  await ensureDaemon({ name: 'proxy', cmd: 'squid', ports: [ports.proxy], args: ['-N', '-f', file], check: answers });
  return env();
}

/** uid and gid of a system user from /etc/passwd, or undefined when there is none. */
function systemUser(user) {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
