import { describe, expect, it } from '@jest/globals';
// @ts-expect-error: a plain ESM script shared with the README generator
import { ACTIONS, readAction } from '../scripts/action-metadata.mjs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runBundled } from './support/run-step.js';

/**
 * Runs every bundled entry in dist/ as the runner does. Catches a bundle that cannot load its own
 * modules, a chunk left out of dist/, and a required input that is not enforced.
 */
describe.each(ACTIONS as string[])('dist bundle of %s', (action) => {
  const meta = readAction(action) as { inputs?: Record<string, { required?: boolean }> };
  // Plus inputs required by a rule action.yml cannot state (auto-rollback's `deployment`, unless `mode: abandoned`).
  const required = [...Object.entries(meta.inputs ?? {}).filter(([, i]) => i.required).map(([n]) => n), ...(action === 'auto-rollback' ? ['deployment'] : [])];

  it('fails on a missing required input with one error line naming it and no stack trace', async () => {
    const result = await runBundled(action, 'main', {});
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(required.some((name) => result.errors[0] === `Input \`${name}\` is required and was not given.`)).toBe(true);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });
});

/**
 * A Node older than 24 to run the bundles with: the machine's own when it has one (these machines and
 * GitHub's Ubuntu images ship Node 20 beside the one the project uses), else this Node told it is 20.19.
 */
function olderNode(): { node: string; nodeArgs: string[]; version: string } {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node', ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'node'))];
  for (const node of candidates) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim();
    if (version && Number(/^v(\d+)\./.exec(version)?.[1]) < 24) return { node, nodeArgs: [], version };
  }
  const version = 'v20.19.0';
  return { node: process.execPath, nodeArgs: ['--import', `data:text/javascript,Object.defineProperty(process,'version',{value:'${version}'})`], version };
}

describe('on a Node older than 24', () => {
  const older = olderNode();
  const steps = (ACTIONS as string[]).flatMap((action) => [[action, 'main'], ...(action === 'canary-deploy' ? [[action, 'post']] : [])]) as [string, 'main' | 'post'][];

  it.each(steps)('%s %s fails at once with one line naming the Node found and the one needed, before reading any input', async (action, step) => {
    // Inputs that would pass the first checks: the guard must answer before any of them is read.
    const result = await runBundled(action, step, { deployment: 'agent', image: 'r.example/a:1' }, { node: older.node, nodeArgs: older.nodeArgs });
    expect(result.exitCode).toBe(1);
    expect(result.stdout.trim().split('\n')).toEqual([
      `::error::ai-deploy needs Node 24 or newer and this step runs on Node ${older.version}. GitHub's runners run \`using: node24\` actions on Node 24; on act or a self-hosted runner, put Node 24 first on PATH.`,
    ]);
    expect(result.stderr).toBe('');
    expect([result.outputs, result.state]).toEqual([{}, {}]);
  });
});
