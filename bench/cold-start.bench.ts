// Cold start of each action's bundle failing on a missing required input, as a ratio to `node -e ''`
// measured in the same run (target: under 5x, with `@actions/core` loaded before the inputs are read).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support.js';

const ACTIONS = ['build-image', 'model-validate', 'canary-deploy', 'monitor-canary', 'auto-rollback', 'promote'];
const RUNS = 15;
const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GITHUB_OUTPUT: join(dir, 'out'), GITHUB_STATE: join(dir, 'state') };
writeFileSync(env.GITHUB_OUTPUT!, '');
writeFileSync(env.GITHUB_STATE!, '');

function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { env, cwd: dir, encoding: 'utf8' });
    times.push(performance.now() - t);
    if (args[0] !== '-e' && !/::error::Input `[^`]+` is required/.test(r.stdout)) {
      throw new Error(`${args[0]} did not fail on a missing input: ${r.stdout}${r.stderr}`);
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const floor = medianMs(['-e', '']);
console.log(`node -e '' (floor): ${floor.toFixed(1)} ms, median of ${RUNS}, ${process.version}`);
let worst = 0;
for (const action of ACTIONS) {
  const ms = medianMs([join(root, 'dist', action, 'main.js')]);
  worst = Math.max(worst, ms / floor);
  console.log(`cold start ${action.padEnd(15)} ${ms.toFixed(1).padStart(6)} ms = ${(ms / floor).toFixed(2)}x floor (target < 5x)`);
}
console.log(`cold start worst: ${worst.toFixed(2)}x floor (target < 5x)`);
