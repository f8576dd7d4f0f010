// nektos/act, the local GitHub Actions runner many of our users try workflows with, built from the Go
// tools module sandbox/act-tool into the cache bin dir (skipped when its build stamp matches). Not a
// server: `up` only makes sure the binary is there, and the env file names it as ACT.
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { buildStamped, isBuilt } from '../lib/go-build.mjs';

export const name = 'act';
export const daemons = [];
const actBin = join(binDir, 'act');
const build = (log) => ({
  what: 'act',
  modDir: join(sandboxDir, 'act-tool'),
  files: ['go.mod', 'go.sum', 'tools.go'],
  ldflags: '-s -w',
  output: actBin,
  outputs: [actBin],
  packages: ['github.com/nektos/act'],
  stampFile: join(binDir, '.act-stamp'),
  logPath: join(cacheRoot, 'act-build.log'),
  log,
  takes: 'about 1-2 min',
});

export function env() {
  return { ACT: actBin };
}

export async function check() {
  return isBuilt(build(() => {}));
}

export async function up(log) {
  await buildStamped(build(log));
  return env();
}
