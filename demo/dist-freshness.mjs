// Whether dist/ may be older than the sources the demo user is looking at. A clone's file times say
// nothing (checkout writes files in any order), and a committed dist/ is checked by CI to match its
// commit's sources. So only sources changed since the last commit count, and only when they were
// changed after dist/ was last built.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';

/** The notice to print, or undefined when dist/ is current (or git cannot tell). */
export function staleDistNotice(root, dist) {
  let changed;
  try {
    const out = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'actions', 'shared'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    changed = out
      .split('\n')
      .filter((l) => l.length > 3 && !l.startsWith(' D') && !l.startsWith('D '))
      .map((l) => l.slice(3).replace(/^.* -> /, ''))
      .filter((f) => f.endsWith('.ts'));
  } catch {
    return undefined; // not a git checkout: nothing to compare with
  }
  if (changed.length === 0) return undefined;
  let built = 0;
  try {
    built = statSync(join(dist, 'index.js')).mtimeMs;
  } catch {}
  const edited = changed.filter((f) => statSync(join(root, f)).mtimeMs > built);
  if (edited.length === 0) return undefined;
  return `NOTE: ${dist} was built before your changes to ${edited.slice(0, 3).join(', ')}${edited.length > 3 ? ` and ${edited.length - 3} more` : ''}: run \`npm run bundle\` first to demo the current code.`;
}
