import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { staleDistNotice } from '../demo/dist-freshness.mjs';

/** A checkout as a fresh clone leaves it: sources and dist/ committed, file times in any order. */
function clone(): { root: string; dist: string; at: (file: string, secondsFromNow: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'demo-dist-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'ignore' });
  for (const dir of ['actions/promote', 'shared/canary', 'dist']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'actions/promote/main.ts'), 'export {};\n');
  writeFileSync(join(root, 'shared/canary/start.ts'), 'export {};\n');
  writeFileSync(join(root, 'dist/index.js'), '// bundle\n');
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  const at = (file: string, s: number) => utimesSync(join(root, file), new Date(Date.now() + s * 1000), new Date(Date.now() + s * 1000));
  return { root, dist: join(root, 'dist'), at };
}

describe('the demo notice that dist/ is older than the sources', () => {
  it('is not shown on a fresh clone, whatever order checkout wrote the files in', () => {
    const c = clone();
    c.at('dist/index.js', -3600);
    c.at('shared/canary/start.ts', 60);
    expect(staleDistNotice(c.root, c.dist)).toBeUndefined();
  });

  it('is shown when a source was changed after dist/ was built, naming it', () => {
    const c = clone();
    writeFileSync(join(c.root, 'shared/canary/start.ts'), 'export const x = 1;\n');
    c.at('dist/index.js', -60);
    expect(staleDistNotice(c.root, c.dist)).toMatch(/was built before your changes to shared\/canary\/start\.ts: run `npm run bundle`/);
  });

  it('counts a new source file, and is not shown once dist/ is rebuilt after the change', () => {
    const c = clone();
    writeFileSync(join(c.root, 'actions/promote/extra.ts'), 'export {};\n');
    c.at('dist/index.js', -60);
    expect(staleDistNotice(c.root, c.dist)).toContain('actions/promote/extra.ts');
    c.at('dist/index.js', 60);
    expect(staleDistNotice(c.root, c.dist)).toBeUndefined();
  });
});
