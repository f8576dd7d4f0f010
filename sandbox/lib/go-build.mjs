// Builds commands from one of the sandbox's Go tools modules into the cache bin dir, skipped when the build
// stamp (sha256 of the ldflags and the module's files) matches the one the last build wrote.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir } from './paths.mjs';
import { which } from './process.mjs';

/** sha256 of the ldflags and the module's files: what a build of them writes in its stamp file. */
function stampOf(o) {
  const h = createHash('sha256').update(o.ldflags);
  for (const f of o.files) h.update(readFileSync(join(o.modDir, f)));
  return h.digest('hex');
}

/** True when every output exists and the stamp file holds the stamp of the module as it is now. */
export function isBuilt(o) {
  return existsSync(o.stampFile) && readFileSync(o.stampFile, 'utf8') === stampOf(o) && o.outputs.every((b) => existsSync(b));
}

/**
 * @param {{what: string, modDir: string, files: string[], ldflags: string, output: string, outputs: string[],
 *   packages: string[], stampFile: string, logPath: string, log: (m: string) => void, takes: string}} o
 *   `output` is go build's `-o`; `outputs` the binaries that must exist; `takes` how long a first build takes.
 * @returns {Promise<{ran: boolean, ms: number}>}
 */
export async function buildStamped(o) {
  if (isBuilt(o)) return { ran: false, ms: 0 };
  const want = stampOf(o);
  if (!which('go')) throw new Error(`Go >= 1.26 is needed to build ${o.what} (go not on PATH)`);
  mkdirSync(binDir, { recursive: true });
  o.log(`building ${o.what} with Go; first time takes ${o.takes} on 2 cores; log: ${o.logPath}`);
  const t0 = Date.now();
  const out = openSync(o.logPath, 'w');
  const args = ['build', '-trimpath', '-ldflags', o.ldflags, '-o', o.output, ...o.packages];
  const code = await new Promise((resolve) => {
    const p = spawn('go', args, { cwd: o.modDir, stdio: ['ignore', out, out], env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' } });
    p.on('error', () => resolve(-1));
    p.on('exit', resolve);
  });
  closeSync(out);
  if (code !== 0) throw new Error(`go build of ${o.what} failed (exit ${code}); see ${o.logPath}:\n${readFileSync(o.logPath, 'utf8').slice(-2000)}`);
  writeFileSync(o.stampFile, want);
  return { ran: true, ms: Date.now() - t0 };
}
