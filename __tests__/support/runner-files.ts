import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files the GitHub runner hands a step: outputs, state, job summary (and state from a main step). */
export interface RunnerFiles {
  dir: string;
  env: Record<string, string>;
}

export function runnerFiles(inputs: Record<string, string>, state: Record<string, string> = {}): RunnerFiles {
  const dir = mkdtempSync(join(tmpdir(), 'ai-deploy-step-'));
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary.md' };
  const env: Record<string, string> = {};
  for (const [key, name] of Object.entries(files)) {
    env[key] = join(dir, name);
    writeFileSync(env[key], '');
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  // The runner passes a main step's saved state to its post step as STATE_<name>.
  for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value;
  return { dir, env };
}

/** Parses the runner's `name<<delimiter` file format (GITHUB_OUTPUT, GITHUB_STATE). */
export function readKeyValueFile(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const end = lines.indexOf(m[2], i + 1);
      out[m[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) {
      const eq = lines[i].indexOf('=');
      out[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
    }
  }
  return out;
}

export interface StepResult {
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Messages of `::error::` lines. */
  errors: string[];
  warnings: string[];
  stdout: string;
  failed: boolean;
}

export function collectResult(files: RunnerFiles, stdout: string, failed: boolean): StepResult {
  const commands = (kind: string) =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith(`::${kind}`))
      .map((l) => l.slice(l.indexOf('::', 2) + 2).replace(/%0A/g, '\n').replace(/%25/g, '%'));
  return {
    outputs: readKeyValueFile(files.env.GITHUB_OUTPUT),
    state: readKeyValueFile(files.env.GITHUB_STATE),
    summary: readFileSync(files.env.GITHUB_STEP_SUMMARY, 'utf8'),
    errors: commands('error'),
    warnings: commands('warning'),
    stdout,
    failed,
  };
}
