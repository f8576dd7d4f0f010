import * as exec from '@actions/exec';
import { ConfigurationError } from '../errors.js';

/** A command as an argument array, never a shell string. `input` goes to stdin (for passwords). */
export interface Command {
  command: string;
  args: string[];
  input?: string;
  /** Extra environment for the child (secrets for tools that read them from there). */
  env?: Record<string, string>;
}

export interface CommandResult {
  exitCode: number;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
  stdout: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * The line of a build's output that says why it failed: the last `ERROR`/`Error:` line (BuildKit,
 * buildah), else the last line that mentions an error or a refusal, else the last line.
 */
export function failingLine(output: string): string | undefined {
  const lines = output.replace(ANSI, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const last = (test: (l: string) => boolean) => [...lines].reverse().find(test);
  return (
    last((l) => /^(#\d+\s+)?(\[[^\]]*\]\s*)?(ERROR|Error|error)\b/.test(l)) ??
    last((l) => /error|fail|denied|unauthori[sz]ed|not found|no such/i.test(l)) ??
    lines.at(-1)
  );
}

/** Runs a command, streaming its output to the log, and returns its exit code and output. */
export async function runCommand(cmd: Command, options: { silent?: boolean } = {}): Promise<CommandResult> {
  const chunks: Buffer[] = [];
  const stdout: Buffer[] = [];
  try {
    const exitCode = await exec.exec(cmd.command, cmd.args, {
      ignoreReturnCode: true,
      silent: options.silent,
      input: cmd.input === undefined ? undefined : Buffer.from(cmd.input),
      // Explicit, so the child sees this process's environment as it is now.
      env: { ...process.env, ...cmd.env } as Record<string, string>,
      listeners: { stdout: (d) => (chunks.push(d), stdout.push(d)), stderr: (d) => chunks.push(d) },
    });
    return { exitCode, output: Buffer.concat(chunks).toString('utf8'), stdout: Buffer.concat(stdout).toString('utf8') };
  } catch (error) {
    if (/Unable to locate executable/.test(String(error))) {
      throw new ConfigurationError(`\`${cmd.command}\` is not on PATH of this runner.`);
    }
    throw error;
  }
}

/** Runs a command and fails with its failing line quoted when it exits non-zero. */
export async function runOrFail(cmd: Command, what: string, options: { silent?: boolean } = {}): Promise<CommandResult> {
  const result = await runCommand(cmd, options);
  if (result.exitCode !== 0) {
    const line = failingLine(result.output);
    throw new Error(`${what} failed (exit code ${result.exitCode})${line ? `: ${line}` : '.'}`);
  }
  return result;
}
