import { describe, expect, it } from '@jest/globals';
import { getInputs } from '../../actions/auto-rollback/inputs.js';
import { runInProcess } from '../support/run-step.js';
import { run } from '../../actions/auto-rollback/main.js';

/** getInputs() under the runner's INPUT_* variables, restored after. */
function inputsFrom(values: Record<string, string>) {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(values)) process.env[`INPUT_${k.toUpperCase()}`] = v;
  try {
    return getInputs();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  }
}

describe('auto-rollback mode: abandoned inputs', () => {
  it('takes an empty `deployment` as the whole namespace, and a named one as that Deployment only', () => {
    expect(inputsFrom({ mode: 'abandoned', namespace: 'prod' })).toMatchObject({ mode: 'abandoned', deployment: '', namespace: 'prod' });
    expect(inputsFrom({ mode: 'abandoned', deployment: 'agent' })).toMatchObject({ mode: 'abandoned', deployment: 'agent' });
  });

  it('still requires `deployment` in every other mode', () => {
    expect(() => inputsFrom({ mode: 'canary' })).toThrow('Input `deployment` is required and was not given.');
  });

  it.each([
    ['`watch`', { deployment: 'agent', watch: '10m', metrics: '- name: x' }, /^Invalid `mode`: 'abandoned'. Expected `revision` or `auto` with `watch`/],
    ['`hooks` on a sweep', { hooks: 'post-rollback:\n  - {name: purge, kind: http, url: "https://cdn.example/purge"}' }, /^`hooks` need a `deployment`: with `mode: abandoned` and no `deployment`/],
    ['`github-token` on a sweep', { 'github-token': 'ghs_abc' }, /^`github-token` needs a `deployment`/],
  ])('refuses %s before connecting to anything', async (_, extra, message) => {
    const r = await runInProcess(run, { mode: 'abandoned', kubeconfig: 'not used', ...extra });
    expect(r.failed).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
  });
});
