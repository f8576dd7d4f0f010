#!/usr/bin/env node
// `npm run bench [-- name...]`: compiles the TypeScript once into build/, then runs each bench/<name>.bench.ts
// in its own Node process, one after another (so they do not compete for the 2 cores). Every bench prints
// ratios against a reference measured in the same run; none of them is a test and none of them fails CI
// on a number.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAptFiles } from '../sandbox/lib/install.mjs';

// What a bench measures us against, installed before it runs (Debian packages, with the sandbox's installer).
const PEERS = {
  'registry-download': { '/usr/bin/aws': 'awscli' },
  'registry-verify': { '/usr/bin/sha256sum': 'coreutils' },
  retag: { '/usr/bin/skopeo': 'skopeo', '/usr/bin/umoci': 'umoci' },
};

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
rmSync(join(root, 'build'), { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json', '--outDir', 'build', '--noEmit', 'false'], { cwd: root, stdio: 'inherit' });

const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

let failed = 0;
for (const name of benches) {
  console.log(`\n== bench: ${name}`);
  if (PEERS[name]) ensureAptFiles(PEERS[name], (line) => console.log(`bench ${name}: ${line}`));
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'build/bench', `${name}.bench.js`)], { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed++;
    console.log(`bench ${name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
