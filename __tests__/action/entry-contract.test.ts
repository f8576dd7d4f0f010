import { describe, expect, it } from '@jest/globals';
import { run as buildImage } from '../../actions/build-image/main.js';
import { run as modelValidate } from '../../actions/model-validate/main.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as canaryDeployPost } from '../../actions/canary-deploy/post.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { interceptStdout } from '../support/capture-stdout.js';
import { runnerFiles } from '../support/runner-files.js';

/**
 * The typescript-action contract `@github/local-action` runs against: each entry exports `run()`, which
 * never throws; a failure is `core.setFailed` (an `::error::` line and exit code 1).
 */
async function callBare(run: () => Promise<void>, env: Record<string, string> = {}): Promise<{ settled: 'resolved' | 'rejected'; stdout: string; exitCode: unknown }> {
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_') || key.startsWith('STATE_')) delete process.env[key];
  Object.assign(process.env, runnerFiles({}).env, env);
  process.exitCode = undefined;
  const out = interceptStdout();
  let settled: 'resolved' | 'rejected' = 'resolved';
  try {
    await run();
  } catch {
    settled = 'rejected';
  } finally {
    out.restore();
  }
  const exitCode = process.exitCode;
  process.exitCode = savedExitCode;
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  return { settled, stdout: out.text(), exitCode };
}

describe('each action entry follows the typescript-action contract', () => {
  it.each([
    ['build-image', buildImage, 'image'],
    ['model-validate', modelValidate, 'suite'],
    ['canary-deploy', canaryDeploy, 'deployment'],
    ['monitor-canary', monitorCanary, 'metrics'],
    ['auto-rollback', autoRollback, 'deployment'],
    ['promote', promote, 'deployment'],
  ] as const)('%s run() resolves on a missing input and fails the step through core.setFailed, with no stack', async (_action, run, input) => {
    const r = await callBare(() => run());
    expect(r.settled).toBe('resolved');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^::error::Input \`${input}\` is required and was not given\\.$`, 'm'));
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });

  it('canary-deploy post run() resolves on unreadable step state and fails the step with the parse error', async () => {
    const r = await callBare(() => canaryDeployPost(), { STATE_canary: '{not json' });
    expect(r.settled).toBe('resolved');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/^::error::.*JSON/m);
  });
});
