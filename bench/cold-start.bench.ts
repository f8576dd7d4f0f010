// Cold start of each action's bundle failing on a missing required input, as a ratio to `node -e ''`
// measured in the same run (target: under 5x, with `@actions/core` loaded before the inputs are read).
// The floor and the six actions are timed in turns, round after round, and each action's figure is the
// median of its per-round ratios: load from other processes on the machine moves both sides of a ratio.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support.js';

const ACTIONS = ['build-image', 'model-validate', 'canary-deploy', 'monitor-canary', 'auto-rollback', 'promote'];
const ROUNDS = 15;
const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, GITHUB_OUTPUT: join(dir, 'out'), GITHUB_STATE: join(dir, 'state') };
writeFileSync(env.GITHUB_OUTPUT!, '');
writeFileSync(env.GITHUB_STATE!, '');

function timeMs(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { env, cwd: dir, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (args[0] !== '-e' && !/::error::Input `[^`]+` is required/.test(r.stdout)) {
    throw new Error(`${args[0]} did not fail on a missing input: ${r.stdout}${r.stderr}`);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floors: number[] = [];
const times: Record<string, number[]> = Object.fromEntries(ACTIONS.map((a) => [a, []]));
const ratios: Record<string, number[]> = Object.fromEntries(ACTIONS.map((a) => [a, []]));
for (let round = 0; round < ROUNDS; round++) {
  const floor = timeMs(['-e', '']);
  floors.push(floor);
  for (const action of ACTIONS) {
    const ms = timeMs([join(root, 'dist', action, 'main.js')]);
    times[action].push(ms);
    ratios[action].push(ms / floor);
  }
}
console.log(`node -e '' (floor): ${median(floors).toFixed(1)} ms, median of ${ROUNDS} rounds, ${process.version}`);
let worst = 0;
for (const action of ACTIONS) {
  const ratio = median(ratios[action]);
  worst = Math.max(worst, ratio);
  console.log(`cold start ${action.padEnd(15)} ${median(times[action]).toFixed(1).padStart(6)} ms = ${ratio.toFixed(2)}x floor (median of per-round ratios; target < 5x)`);
}
console.log(`cold start worst: ${worst.toFixed(2)}x floor (target < 5x)`);
