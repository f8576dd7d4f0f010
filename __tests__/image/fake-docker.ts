import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeTool, tempDir } from './support.js';

/** One call the fake `docker` received: its arguments and what came on stdin. */
export interface DockerCall {
  args: string[];
  stdin: string;
}

/**
 * A fake `docker` CLI (no Docker daemon runs here). It records every call, answers `docker info` when
 * told the daemon is up, writes the buildx metadata file with the digest it is given, or fails a
 * build with the given output, the way BuildKit prints a failure. With `pushFrom` (an OCI layout), a
 * `--push` build really pushes that image to every tag, so the action's read-back meets a real registry.
 */
export function fakeDocker(options: { daemon: boolean; digest?: string; failWith?: string[]; pushFrom?: string }): { binDir: string; calls: () => DockerCall[] } {
  const log = join(tempDir('ai-deploy-docker-log-'), 'calls.jsonl');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
let stdin = '';
if (args[0] === 'login') { try { stdin = fs.readFileSync(0, 'utf8'); } catch {} }
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, stdin }) + '\\n');
const daemon = ${JSON.stringify(options.daemon)};
if (args[0] === 'info') {
  if (!daemon) { console.error('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'); process.exit(1); }
  console.log('28.2.2'); process.exit(0);
}
const logins = ${JSON.stringify(log)} + '.logins';
if (args[0] === 'login') {
  // Like docker, remembers the login for later pushes.
  fs.writeFileSync(logins, JSON.stringify({ user: args[args.indexOf('--username') + 1], password: stdin }));
  console.log('Login Succeeded'); process.exit(0);
}
if (args[0] === 'logout') {
  // Like docker, forgets the login.
  fs.rmSync(logins, { force: true });
  console.log('Removing login credentials for ' + args[1]); process.exit(0);
}
if (args[0] === 'buildx' && args[1] === 'build') {
  const fail = ${JSON.stringify(options.failWith ?? null)};
  if (fail) { for (const line of fail) console.error(line); process.exit(1); }
  console.error('#1 [internal] load build definition from Dockerfile');
  const file = args[args.indexOf('--metadata-file') + 1];
  let digest = ${JSON.stringify(options.digest ?? null)};
  const layout = ${JSON.stringify(options.pushFrom ?? null)};
  if (layout && args.includes('--push')) {
    // Pushes a real image (an OCI layout made by the test) to every --tag, as BuildKit would.
    const tags = args.flatMap((a, i) => (a === '--tag' ? [args[i + 1]] : []));
    const digestFile = file + '.digest';
    for (const tag of tags) {
      const creds = fs.existsSync(logins) ? JSON.parse(fs.readFileSync(logins, 'utf8')) : undefined;
      const login = creds ? ['--dest-creds', creds.user + ':' + creds.password] : [];
      const r = require('node:child_process').spawnSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...login, '--digestfile', digestFile, 'oci:' + layout, 'docker://' + tag], { stdio: 'inherit' });
      if (r.status !== 0) process.exit(1);
    }
    digest = digest ?? fs.readFileSync(digestFile, 'utf8').trim();
  }
  fs.writeFileSync(file, JSON.stringify(digest ? { 'containerimage.digest': digest, 'image.name': 'x' } : { 'buildx.build.ref': 'default/default/abc' }));
  process.exit(0);
}
console.error('fake docker: unexpected call ' + args.join(' ')); process.exit(2);
`;
  const binDir = fakeTool('docker', script);
  const calls = () => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as DockerCall);
    } catch {
      return [];
    }
  };
  return { binDir, calls };
}
