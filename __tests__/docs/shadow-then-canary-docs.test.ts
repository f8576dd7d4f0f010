import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getInputs } from '../../actions/canary-deploy/inputs.js';
// @ts-expect-error: a plain ESM script shared with the README generator
import { readAction, root } from '../../scripts/action-metadata.mjs';

interface Step {
  uses: string;
  with?: Record<string, string | number>;
}

const page = readFileSync(join(root, 'docs/routers.md'), 'utf8');
const section = page.slice(page.indexOf('### Then real traffic through steps'));
const example = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1].replaceAll('${{ env.IMAGE }}', 'ghcr.io/acme/agent:2')) as Step[];
const workflow = parse(readFileSync(join(root, 'workflows-examples/shadow-then-canary.yml'), 'utf8')) as { jobs: { rollout: { steps: Step[] } } };
const actionOf = (step: Step) => /^org\/ai-deploy\/([a-z-]+)@v1$/.exec(step.uses)?.[1];

/** canary-deploy's edge parser under the runner's INPUT_* variables, restored after. */
function canaryInputs(values: Record<string, string | number>) {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries({ deployment: 'model', ...values })) process.env[`INPUT_${k.toUpperCase()}`] = String(v);
  try {
    return getInputs();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  }
}

describe('docs/routers.md: shadow, then real traffic through steps', () => {
  it('its example is shadow, judged mirror steps, the same canary turned weighted, judged real-traffic steps, promote; as the example workflow does', () => {
    const order = ['canary-deploy', 'monitor-canary', 'canary-deploy', 'monitor-canary', 'promote'];
    expect(example.map(actionOf)).toEqual(order);
    expect(workflow.jobs.rollout.steps.map(actionOf).filter((a) => a !== 'auto-rollback' && a !== undefined)).toEqual(order);
  });

  it('gives only inputs the actions declare, and canary-deploy accepts both of its steps: shadow, then strategy: canary on the same image and route', () => {
    for (const step of example) {
      const declared = Object.keys(readAction(actionOf(step)).inputs ?? {});
      for (const input of Object.keys(step.with ?? {})) expect([step.uses, input, declared.includes(input)]).toEqual([step.uses, input, true]);
    }
    const shadow = canaryInputs(example[0].with!);
    const converted = canaryInputs(example[2].with!);
    expect(shadow).toMatchObject({ strategy: 'shadow', weight: 10 });
    expect(converted).toMatchObject({ strategy: 'canary', weight: 5, image: shadow.image, 'traffic-router': shadow['traffic-router'], route: shadow.route });
  });

  it('no longer lists promote through steps after a shadow canary as not yet done', () => {
    expect(page).not.toMatch(/Not yet:[^\n]*shadow/);
  });
});
