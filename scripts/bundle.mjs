#!/usr/bin/env node
// Rebuilds dist/: one shared ncc bundle (dist/index.js, with every action and SDK as a lazy chunk)
// plus a one-line entry per action step. Same source in, same bytes out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/ncc'), ['build', 'actions/index.ts', '-o', 'dist', '--minify', '--quiet', '--target', 'es2023'], {
  cwd: root,
  stdio: 'inherit',
});

const index = readFileSync(join(root, 'actions/index.ts'), 'utf8');
const steps = [...index.matchAll(/^\s*'?([a-z-]+)'?: \{ (main: [^}]*)\}/gm)].map(([, action, body]) => ({
  action,
  kinds: ['main', 'post'].filter((k) => body.includes(`${k}: `)),
}));
if (steps.length !== 6) throw new Error(`expected 6 actions in actions/index.ts, found ${steps.length}`);

for (const { action, kinds } of steps) {
  mkdirSync(join(dist, action), { recursive: true });
  for (const kind of kinds) {
    writeFileSync(join(dist, action, `${kind}.js`), `import { runAction } from '../index.js';\nawait runAction('${action}', '${kind}');\n`);
  }
}
// The root action.yml exists only to point users at the six actions.
writeFileSync(
  join(dist, 'root.js'),
  "process.stdout.write('::error::ai-deploy is six actions: use org/ai-deploy/<action>@v1 with one of ' + " +
    JSON.stringify(steps.map((s) => s.action).join(', ')) +
    " + '.\\n');\nprocess.exitCode = 1;\n",
);
const files = readdirSync(dist, { recursive: true }).filter((f) => existsSync(join(dist, f)));
console.log(`dist/: ${files.length} files`);
