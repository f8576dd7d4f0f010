import { describe, expect, it } from '@jest/globals';
// @ts-expect-error: a plain ESM script shared with the README generator
import { ACTIONS, readAction } from '../scripts/action-metadata.mjs';
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
