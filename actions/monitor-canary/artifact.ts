import * as core from '@actions/core';
import { basename, dirname } from 'node:path';
import { errorMessage } from '../../shared/action/errors.js';

/**
 * Uploads the JSON report as a workflow artifact. Off GitHub (no ACTIONS_RUNTIME_TOKEN) it says so and
 * skips; an upload failure is a warning: the verdict stands without its copy.
 */
export async function uploadReport(path: string, name: string): Promise<void> {
  if (!process.env.ACTIONS_RUNTIME_TOKEN) {
    core.notice(`Report artifact not uploaded: not running on GitHub Actions (no ACTIONS_RUNTIME_TOKEN). The report is at ${path}.`);
    return;
  }
  try {
    const { DefaultArtifactClient } = await import('@actions/artifact');
    const { id } = await new DefaultArtifactClient().uploadArtifact(name, [path], dirname(path), { retentionDays: 30 });
    core.info(`Report uploaded as artifact '${name}' (id ${id}, file ${basename(path)}).`);
  } catch (error) {
    core.warning(`Could not upload the report artifact '${name}': ${errorMessage(error)}`);
  }
}
