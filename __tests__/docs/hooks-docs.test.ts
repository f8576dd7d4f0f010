import { describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { parseHooks } from '../../shared/hooks/parse.js';
import { HOOKS_SCHEMA } from '../../shared/hooks/schema.js';
import { HOOK_STAGES } from '../../shared/hooks/types.js';
import { captureStdout } from '../hooks/capture.js';

const root = new URL('../..', import.meta.url).pathname;
const page = readFileSync(join(root, 'docs/hooks.md'), 'utf8');
const examples = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
const jobFixture = join(root, '__tests__/hooks/fixtures/jobs/succeeds.yaml');

/** A repository checkout holding every Job manifest the examples name (each a valid Job). */
function workspaceFor(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooks-docs-'));
  for (const [, path] of yaml.matchAll(/manifest:\s*(\S+)/g)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    copyFileSync(jobFixture, join(dir, path));
  }
  return dir;
}

describe('docs/hooks.md', () => {
  it('has examples, and one for every stage', () => {
    const stages = new Set(examples.flatMap((e) => Object.keys(parse(e) ?? {})));
    expect([...stages].sort()).toEqual([...HOOK_STAGES].sort());
  });

  it.each(examples.map((e, i) => [i + 1, e]))('example %i is a hooks input the actions accept', (_n, yaml) => {
    const env = Object.fromEntries([...String(yaml).matchAll(/\{\{env\.([A-Za-z_][A-Za-z0-9_]*)\}\}/g)].map(([, name]) => [name, 'example-value']));
    const { value: plan } = captureStdout(() => parseHooks(String(yaml), { allowedStages: HOOK_STAGES, workspace: workspaceFor(String(yaml)), env }));
    const hooks = Object.values(plan).flat();
    expect(hooks.length).toBeGreaterThan(0);
    expect(hooks.length).toBe(Object.values(parse(String(yaml)) as Record<string, unknown[]>).flat().length);
  });

  it('tells editors where the schema is, and the schema is the one in schemas/', () => {
    const [, url] = /# yaml-language-server: \$schema=(\S+)/.exec(page) ?? [];
    expect(url).toBe('https://raw.githubusercontent.com/org/ai-deploy/v1/schemas/hooks.schema.json');
    expect(existsSync(join(root, url.replace(/^.*\/v1\//, '')))).toBe(true);
    expect(HOOKS_SCHEMA.$id).toBe(url);
  });

  it.each([
    ['canary-deploy', ['pre-traffic']],
    ['monitor-canary', ['during']],
    ['promote', ['pre-promote', 'post-promote']],
    ['auto-rollback', ['post-rollback']],
  ] as const)("%s: the example in its action.yml's `hooks` description is one it accepts", (action, stages) => {
    const { inputs } = parse(readFileSync(join(root, action, 'action.yml'), 'utf8')) as { inputs: { hooks: { description: string } } };
    const after = inputs.hooks.description.split(/Example:\n/)[1] ?? '';
    const example = after.split('\n').filter((line, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('  '))).map((l) => l.slice(2)).join('\n');
    expect(example).toMatch(/^[a-z-]+:\n/);
    const env = Object.fromEntries([...example.matchAll(/\{\{env\.([A-Za-z_][A-Za-z0-9_]*)\}\}/g)].map(([, name]) => [name, 'example-value']));
    const { value: plan } = captureStdout(() => parseHooks(example, { allowedStages: stages, workspace: workspaceFor(example), env }));
    expect(Object.keys(plan).sort()).toEqual([...stages].sort());
  });

  it('is linked from the README and from each action that takes hooks', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('(docs/hooks.md)');
    for (const action of ['canary-deploy', 'monitor-canary', 'promote', 'auto-rollback']) {
      expect([action, readFileSync(join(root, action, 'action.yml'), 'utf8').includes('Format: docs/hooks.md')]).toEqual([action, true]);
    }
  });
});
