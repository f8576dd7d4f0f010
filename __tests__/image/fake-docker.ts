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
 * build with the given output, the way BuildKit prints a failure.
 */
export function fakeDocker(options: { daemon: boolean; digest?: string; failWith?: string[] }): { binDir: string; calls: () => DockerCall[] } {
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
if (args[0] === 'login') { console.log('Login Succeeded'); process.exit(0); }
if (args[0] === 'buildx' && args[1] === 'build') {
  const fail = ${JSON.stringify(options.failWith ?? null)};
  if (fail) { for (const line of fail) console.error(line); process.exit(1); }
  console.error('#1 [internal] load build definition from Dockerfile');
  const file = args[args.indexOf('--metadata-file') + 1];
  const digest = ${JSON.stringify(options.digest ?? null)};
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
