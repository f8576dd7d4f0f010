import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { runCommand } from './command.js';

/**
 * What a build leaves behind if it is cut short: its work folder (which holds the registry auth.json) and
 * buildah working containers. Recorded in step state before the build starts, so the post step can remove
 * them after a killed main step.
 */
export interface BuildLeftovers {
  /** The build's work folder under RUNNER_TEMP; the credentials file lives inside it. */
  workDir: string;
  /** buildah containers that existed before the build (undefined: buildah not used). */
  containersBefore?: string[];
  /** The registry `docker login` was run for with the action's own credentials (buildx), to log out of. */
  dockerLogin?: string;
  /** Set once main cleaned up after itself. */
  finished: boolean;
}

/** IDs of buildah's working containers in the runner's storage; undefined when they cannot be listed. */
export async function buildahContainers(): Promise<string[] | undefined> {
  try {
    const { exitCode, stdout } = await runCommand({ command: 'buildah', args: ['containers', '--quiet', '--notruncate'] }, { silent: true });
    return exitCode === 0 ? stdout.split(/\s+/).filter(Boolean) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the containers a build created: those listed now that were not before it started. Nothing is removed
 * when either list is unknown (a container of another job on a shared runner is never taken for ours). Returns how many.
 */
export async function removeNewContainers(before: readonly string[]): Promise<number> {
  const now = await buildahContainers();
  if (!now) return 0;
  const created = now.filter((id) => !before.includes(id));
  if (created.length) await runCommand({ command: 'buildah', args: ['rm', ...created] }, { silent: true });
  return created.length;
}

export const removeWorkDir = (dir: string) => rm(dir, { recursive: true, force: true });

/**
 * On the runner's cancel (SIGINT, then SIGTERM) the work folder, credentials included, is removed at once,
 * synchronously, before Node exits as the signal asks (a process that handles a signal must exit by itself).
 * Returns the function that stops listening.
 */
export function removeOnCancel(
  dir: string,
  signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
  exit: (signal: NodeJS.Signals) => void = (signal) => process.kill(process.pid, signal),
): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    stop();
    exit(signal);
  };
  const stop = () => {
    for (const s of signals) process.off(s, onSignal);
  };
  for (const s of signals) process.on(s, onSignal);
  return stop;
}
