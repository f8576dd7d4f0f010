import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error: a plain ESM script shared with the README generator
import { ACTIONS, readAction, root } from '../scripts/action-metadata.mjs';

interface ActionYml {
  name: string;
  description: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string };
  branding?: { icon?: string; color?: string };
}

describe.each(ACTIONS as string[])('%s/action.yml', (action) => {
  const meta = readAction(action) as ActionYml;

  it('runs on node24 from a bundled entry that exists in dist/', () => {
    expect(meta.runs.using).toBe('node24');
    expect(meta.runs.main).toBe(`../dist/${action}/main.js`);
    expect(existsSync(join(root, action, meta.runs.main))).toBe(true);
    if (meta.runs.post) expect(existsSync(join(root, action, meta.runs.post))).toBe(true);
  });

  it('describes every input and gives it a default or marks it required', () => {
    for (const [name, input] of Object.entries(meta.inputs ?? {})) {
      expect([name, typeof input.description === 'string' && input.description.length > 10]).toEqual([name, true]);
      expect([name, input.required === true || input.default !== undefined]).toEqual([name, true]);
    }
  });

  it('describes every output and has a name, description and branding', () => {
    expect(meta.description.length).toBeGreaterThan(20);
    expect(meta.branding?.icon && meta.branding?.color).toBeTruthy();
    for (const [name, output] of Object.entries(meta.outputs ?? {})) {
      expect([name, typeof output.description === 'string' && output.description.length > 5]).toEqual([name, true]);
    }
  });
});
