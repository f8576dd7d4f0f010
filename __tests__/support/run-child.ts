import { spawn } from 'node:child_process';
import { collectResult, runnerFiles, type StepResult } from './runner-files.js';

const support = new URL('../k8s/support/', import.meta.url).pathname;

/**
 * Runs an action's main step from the TypeScript sources in a child Node process, as the runner would,
 * so it can run at the same time as another step of the test (in-process steps share process.env).
 */
export function runChildStep(action: string, inputs: Record<string, string>, env: Record<string, string> = {}): { done: Promise<StepResult>; stdout: () => string } {
  const files = runnerFiles(inputs);
  const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './register-ts.mjs', 'run-ts-step.mjs', action, 'main'], {
    cwd: support,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...files.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stdout += d));
  const done = new Promise<StepResult>((resolve) => child.on('close', (code) => resolve(collectResult(files, stdout, code !== 0))));
  return { done, stdout: () => stdout };
}
