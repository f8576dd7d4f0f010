#!/usr/bin/env node
// Rebuilds dist/: one shared ncc bundle (dist/index.js, with every action and SDK as a lazy chunk)
// plus a one-line entry per action step. Same source in, same bytes out. Builds beside dist/ and
// swaps only when the build is complete, so a failed build never leaves the repository without dist/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { minify } from 'terser';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const next = join(root, '.dist-next');

rmSync(next, { recursive: true, force: true });
execFileSync(join(root, 'node_modules/.bin/ncc'), ['build', 'actions/index.ts', '-o', next, '--minify', '--quiet', '--transpile-only', '--target', 'es2023'], {
  cwd: root,
  stdio: 'inherit',
});

// Only code may come out. Anything else is ncc's asset relocator copying a file it guessed the
// action reads at run time from the build machine (a path built from process.cwd()): a bug to fix.
const stray = readdirSync(next, { recursive: true }).filter((f) => !/^(index\.js|\d+\.index\.js|package\.json)$/.test(String(f)));
if (stray.length) throw new Error(`ncc emitted assets, which means a path is resolved at bundle time: ${stray.join(', ')}`);

// A dynamic import() whose specifier webpack cannot resolve at build time becomes an "empty context":
// a stub that always throws `Cannot find module`. That is how `custom` assertions once broke in the
// bundle only. Refuse it: code that imports a path known only at run time says so with
// `import(/* webpackIgnore: true */ url)`.
for (const chunk of readdirSync(next).filter((f) => f.endsWith('.js'))) {
  if (/new Error\("Cannot find module '"\s*\+/.test(readFileSync(join(next, chunk), 'utf8'))) {
    throw new Error(`${chunk}: webpack replaced a dynamic import() it could not resolve with a stub that always fails; mark the import /* webpackIgnore: true */`);
  }
}

// ncc minifies only the entry; the lazy chunks (the SDKs) come out as readable webpack modules,
// client-node alone at 17 MB. Minifying them keeps the committed dist/ small; terser is deterministic.
for (const chunk of readdirSync(next).filter((f) => /^\d+\.index\.js$/.test(f))) {
  const code = readFileSync(join(next, chunk), 'utf8');
  const out = await minify(code, { module: true, compress: true, mangle: true, format: { comments: false } });
  writeFileSync(join(next, chunk), out.code);
}

const index = readFileSync(join(root, 'actions/index.ts'), 'utf8');
const steps = [...index.matchAll(/^\s*'?([a-z-]+)'?: \{ (main: [^}]*)\}/gm)].map(([, action, body]) => ({
  action,
  kinds: ['main', 'post'].filter((k) => body.includes(`${k}: `)),
}));
if (steps.length !== 6) throw new Error(`expected 6 actions in actions/index.ts, found ${steps.length}`);

for (const { action, kinds } of steps) {
  mkdirSync(join(next, action), { recursive: true });
  for (const kind of kinds) {
    writeFileSync(join(next, action, `${kind}.js`), `import { runAction } from '../index.js';\nawait runAction('${action}', '${kind}');\n`);
  }
}
// The root action.yml exists only to point users at the six actions.
writeFileSync(
  join(next, 'root.js'),
  "process.stdout.write('::error::ai-deploy is six actions: use org/ai-deploy/<action>@v1 with one of ' + " +
    JSON.stringify(steps.map((s) => s.action).join(', ')) +
    " + '.\\n');\nprocess.exitCode = 1;\n",
);

rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
console.log(`dist/: ${readdirSync(dist, { recursive: true }).length} entries`);
