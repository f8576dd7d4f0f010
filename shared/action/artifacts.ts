import * as core from '@actions/core';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Workflow artifacts through the runner's artifact service (@actions/artifact, imported only when an
 * upload or download actually happens: it is heavy and most steps never need it). Off a runner there is
 * no artifact service; each caller says, in its own words, what that means for it.
 */

/** On a runner the job has the artifact service's URL and a token for it; anywhere else, neither. */
export const artifactServiceAvailable = (): boolean => Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL);

async function client() {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}

export interface UploadOptions {
  /** Days the artifact is kept (the repository's maximum caps it). */
  retentionDays: number;
  /** Logged instead of uploading when there is no artifact service. */
  offRunner: string;
  /** `notice` makes the off-runner message an annotation; `info` (the default) a log line. */
  offRunnerLevel?: 'info' | 'notice';
}

/**
 * Uploads one file as artifact `name` (a zip holding just that file, under its own name). Returns the
 * artifact's id, or undefined off a runner, where nothing is contacted. An upload failure throws.
 */
export async function uploadFileArtifact(name: string, file: string, options: UploadOptions): Promise<number | undefined> {
  if (!artifactServiceAvailable()) {
    (options.offRunnerLevel === 'notice' ? core.notice : core.info)(options.offRunner);
    return undefined;
  }
  const result = await (await client()).uploadArtifact(name, [file], dirname(file), { retentionDays: options.retentionDays });
  core.info(`Uploaded ${basename(file)} as artifact '${name}' (id ${result.id}).`);
  return result.id;
}

/**
 * Downloads this run's artifacts whose names start with `prefix` (the latest of each name) into
 * `into`, one folder per artifact named after it; returns the folders. Off a runner it throws
 * `offRunner` without contacting anything.
 */
export async function downloadArtifacts(prefix: string, into: string, options: { offRunner: string }): Promise<string[]> {
  if (!artifactServiceAvailable()) throw new Error(options.offRunner);
  const artifacts = await client();
  const { artifacts: list } = await artifacts.listArtifacts({ latest: true });
  const mine = list.filter((a) => a.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
  const folders: string[] = [];
  for (const a of mine) {
    const path = join(into, a.name);
    await mkdir(path, { recursive: true });
    await artifacts.downloadArtifact(a.id, { path });
    folders.push(path);
  }
  return folders;
}
