import { spawn, type ChildProcess } from 'node:child_process';
import { collectResult, runnerFiles, type StepResult } from './runner-files.js';

const support = new URL('../k8s/support/', import.meta.url).pathname;

export interface ChildStep {
  child: ChildProcess;
  /** The runner files the step writes (GITHUB_OUTPUT, GITHUB_STATE, ...). */
  files: ReturnType<typeof runnerFiles>;
  /** Everything the step printed so far, stdout and stderr. */
  stdout: () => string;
}

/**
 * Starts an action's main step from the TypeScript sources in a child Node process, as the runner would,
 * so it can run at the same time as another step of the test (in-process steps share process.env) or be killed.
 */
export function spawnChildStep(action: string, inputs: Record<string, string>, env: Record<string, string> = {}): ChildStep {
  const files = runnerFiles(inputs);
  const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', './register-ts.mjs', 'run-ts-step.mjs', action, 'main'], {
    cwd: support,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...files.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stdout += d));
  return { child, files, stdout: () => stdout };
}

/** spawnChildStep, resolved with the step's result when it ends. */
export function runChildStep(action: string, inputs: Record<string, string>, env: Record<string, string> = {}): { done: Promise<StepResult>; stdout: () => string } {
  const { child, files, stdout } = spawnChildStep(action, inputs, env);
  const done = new Promise<StepResult>((resolve) => child.on('close', (code) => resolve(collectResult(files, stdout(), code !== 0))));
  return { done, stdout };
}
