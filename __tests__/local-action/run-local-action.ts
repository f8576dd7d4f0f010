import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** One line of a dotenv file; double quotes keep a multi-line value (a kubeconfig) whole. */
function envLine(key: string, value: string): string {
  if (/[\\"]/.test(value)) throw new Error(`${key}: a value with quotes or backslashes does not survive a .env file`);
  return `${key}="${value}"`;
}

export interface LocalRun {
  /** Everything it printed, stdout and stderr in order of arrival. */
  output: string;
  /** Messages of `::error::` lines. */
  errors: string[];
  /** What the step set with core.setOutput (local-action prints each as a `::set-output name=...::` line). */
  outputs: Record<string, string>;
  exitCode: number | null;
  summaryFile: string;
}

/**
 * Runs one action step with GitHub's own `@github/local-action`, exactly as the README tells a user to:
 * `local-action run <action dir> <entrypoint> <.env>`. Inputs go in the .env file as INPUT_<NAME>;
 * `env` holds other variables the step reads. It exits 0 even after core.setFailed: read `errors`.
 */
export async function runLocalAction(action: string, inputs: Record<string, string>, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<LocalRun> {
  const dir = mkdtempSync(join(tmpdir(), 'local-action-'));
  const summaryFile = join(dir, 'summary.md');
  writeFileSync(summaryFile, '');
  const lines = [
    ...Object.entries(inputs).map(([k, v]) => envLine(`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v)),
    ...Object.entries({ GITHUB_STEP_SUMMARY: summaryFile, ...env }).map(([k, v]) => envLine(k, v)),
  ];
  const envFile = join(dir, '.env');
  writeFileSync(envFile, `${lines.join('\n')}\n`);
  const bin = join(root, 'node_modules/.bin');
  const child = spawn(join(bin, 'local-action'), ['run', join(root, action), join(root, 'actions', action, 'main.ts'), envFile], {
    cwd: root,
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const errors = output.split('\n').filter((l) => l.startsWith('::error::')).map((l) => l.slice('::error::'.length));
  const outputs = Object.fromEntries([...output.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)].map((m) => [m[1], m[2]]));
  return { output, errors, outputs, exitCode, summaryFile };
}
