// nektos/act, the local GitHub Actions runner many of our users try workflows with, built from the Go
// tools module sandbox/act-tool into the cache bin dir (skipped when its build stamp matches). Not a
// server: `up` only makes sure the binary is there, and the env file names it as ACT.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { which } from '../lib/process.mjs';

export const name = 'act';
export const daemons = [];
const modDir = join(sandboxDir, 'act-tool');
const actBin = join(binDir, 'act');
const stampFile = join(binDir, '.act-stamp');

function stamp() {
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'tools.go']) h.update(readFileSync(join(modDir, f)));
  return h.digest('hex');
}

export function env() {
  return { ACT: actBin };
}

export async function check() {
  return existsSync(actBin) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp();
}

export async function up(log) {
  if (await check()) return env();
  if (!which('go')) throw new Error('Go >= 1.26 is needed to build act (go not on PATH)');
  mkdirSync(binDir, { recursive: true });
  const logPath = join(cacheRoot, 'act-build.log');
  log(`building act with Go (about 1-2 min); log: ${logPath}`);
  const out = openSync(logPath, 'w');
  const code = await new Promise((resolve) => {
    const args = ['build', '-trimpath', '-ldflags', '-s -w', '-o', actBin, 'github.com/nektos/act'];
    const p = spawn('go', args, { cwd: modDir, stdio: ['ignore', out, out], env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' } });
    p.on('error', () => resolve(-1));
    p.on('exit', resolve);
  });
  closeSync(out);
  if (code !== 0) throw new Error(`go build of act failed (exit ${code}); see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
  writeFileSync(stampFile, stamp());
  return env();
}
