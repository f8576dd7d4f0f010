import * as core from '@actions/core';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Reports as workflow artifacts (@actions/artifact, loaded only when used). Outside a runner there is no
 * artifact service: uploading then says so and returns undefined instead of failing the gate.
 */
const onRunner = () => Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL);

async function client() {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}

export async function uploadReport(name: string, file: string): Promise<number | undefined> {
  if (!onRunner()) {
    core.info(`Not on a GitHub runner (no artifact service): the report stays at ${file}.`);
    return undefined;
  }
  const result = await (await client()).uploadArtifact(name, [file], dirname(file), { retentionDays: 30 });
  core.info(`Uploaded ${basename(file)} as artifact '${name}' (id ${result.id}).`);
  return result.id;
}

/** Downloads this run's artifacts whose names start with `prefix` into `into`, one folder each; returns the folders. */
export async function downloadReports(prefix: string, into: string): Promise<string[]> {
  if (!onRunner()) throw new Error('Shard reports can only be fetched from artifacts on a GitHub runner; pass `shard-reports` (a folder of report files) instead.');
  const artifacts = await client();
  const { artifacts: list } = await artifacts.listArtifacts({ latest: true });
  const mine = list.filter((a) => a.name.startsWith(prefix));
  const folders: string[] = [];
  for (const a of mine) {
    const path = join(into, a.name);
    await mkdir(path, { recursive: true });
    await artifacts.downloadArtifact(a.id, { path });
    folders.push(path);
  }
  return folders;
}
