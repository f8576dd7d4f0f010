import { spawn } from 'node:child_process';
import { join } from 'node:path';
import * as core from '@actions/core';
import { runStep } from '../../shared/action/runner.js';
import { collectResult, runnerFiles, type StepResult } from './runner-files.js';
import { interceptStdout } from './capture-stdout.js';

export type { StepResult } from './runner-files.js';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Runs an action step in this process the way the runner would (INPUT_* env, output/state/summary
 * files), capturing the workflow commands it prints. For tests of an action's behaviour.
 */
export async function runInProcess(
  run: () => Promise<void>,
  inputs: Record<string, string>,
  options: { state?: Record<string, string>; env?: Record<string, string> } = {},
): Promise<StepResult> {
  const files = runnerFiles(inputs, options.state);
  const env = { ...files.env, ...options.env };
  const saved = { ...process.env };
  const savedExitCode = process.exitCode;
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_') || key.startsWith('STATE_')) delete process.env[key];
  Object.assign(process.env, env);
  process.exitCode = undefined;
  resetSummary();
  const out = interceptStdout();
  try {
    await runStep(run);
  } finally {
    out.restore();
  }
  const failed = process.exitCode === 1;
  process.exitCode = savedExitCode;
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
  return collectResult(files, out.text(), failed);
}

/** `core.summary` caches the first GITHUB_STEP_SUMMARY path it sees; each step gets its own file. */
function resetSummary(): void {
  const summary = core.summary as unknown as { _filePath?: string };
  summary._filePath = undefined;
  core.summary.emptyBuffer();
}

/** Runs a bundled `dist/<action>/<step>.js` in a child Node process exactly as the runner does. */
export async function runBundled(
  action: string,
  step: 'main' | 'post',
  inputs: Record<string, string>,
  options: { state?: Record<string, string>; env?: Record<string, string>; timeoutMs?: number; node?: string; nodeArgs?: string[] } = {},
): Promise<StepResult & { exitCode: number | null; stderr: string; ms: number }> {
  const files = runnerFiles(inputs, options.state);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...files.env, ...options.env };
  const started = performance.now();
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), join(root, 'dist', action, `${step}.js`)], { env, cwd: files.dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { ...collectResult(files, stdout, exitCode !== 0), exitCode, stderr, ms: performance.now() - started };
}
