import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sandboxAct } from '../../sandbox/env.mjs';
// @ts-expect-error: a plain ESM script shared with the README generator
import { ACTIONS } from '../../scripts/action-metadata.mjs';

const root = new URL('../..', import.meta.url).pathname;
/** Node 24 from node_modules: act runs the first `node` on PATH for `using: node24` (it ships none). */
const node24Bin = dirname(process.execPath);

/**
 * What a release tag of this repository holds for `uses: org/ai-deploy/<action>@v1`: every action's folder
 * (its action.yml) and dist/, copied from the working tree (no node_modules, as on GitHub).
 */
export function releaseCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-deploy-release-'));
  for (const action of ACTIONS as string[]) cpSync(join(root, action), join(dir, action), { recursive: true });
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  return dir;
}

/** A user's repository: the files given, committed on `main` (act reads the commit for GITHUB_SHA and GITHUB_REF). */
export function userRepository(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ai-deploy-user-repo-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=ai-deploy test', '-c', 'user.email=test@ai-deploy.invalid', 'commit', '-q', '-m', 'model service');
  return dir;
}

export interface ActRun {
  exitCode: number | null;
  /** Everything act printed (stdout and stderr, in order of arrival). */
  output: string;
  /** The lines one step printed (act prefixes them with `| `), by the step's name as act shows it. */
  linesOf(step: string): string[];
}

/**
 * Runs a workflow of `repo` with nektos/act as a user tries it on their machine: `workflow_dispatch`, host
 * mode (`-P ubuntu-latest=-self-hosted`: no Docker here), `org/ai-deploy@v1` resolved to `release` with
 * `--local-repository` instead of a download, secrets with `-s` and inputs with `--input` (argument arrays).
 */
export async function runAct(
  repo: string,
  workflow: string,
  o: { release: string; inputs?: Record<string, string>; secrets?: Record<string, string>; env?: Record<string, string>; timeoutMs?: number },
): Promise<ActRun> {
  const scratch = mkdtempSync(join(tmpdir(), 'ai-deploy-act-'));
  const envFile = join(scratch, 'env');
  writeFileSync(envFile, Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const args = [
    'workflow_dispatch',
    '-W', workflow,
    '-P', 'ubuntu-latest=-self-hosted',
    '--local-repository', `org/ai-deploy@v1=${o.release}`,
    '--action-cache-path', join(scratch, 'actions'),
    '--env-file', envFile,
    ...Object.entries(o.inputs ?? {}).flatMap(([k, v]) => ['--input', `${k}=${v}`]),
    ...Object.entries(o.secrets ?? {}).flatMap(([k, v]) => ['-s', `${k}=${v}`]),
  ];
  const child = spawn(sandboxAct(), args, {
    cwd: repo,
    env: { PATH: `${node24Bin}:${process.env.PATH}`, HOME: process.env.HOME, TMPDIR: scratch, NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const linesOf = (step: string) => {
    const lines = output.split('\n');
    const out: string[] = [];
    let inStep = false;
    for (const line of lines) {
      if (/⭐ Run /.test(line)) inStep = line.includes(`⭐ Run ${step}`);
      else if (inStep && /\] {3}\| /.test(line)) out.push(line.replace(/^.*?\] {3}\| /, ''));
    }
    return out;
  };
  return { exitCode, output, linesOf };
}
