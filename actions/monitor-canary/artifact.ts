import * as core from '@actions/core';
import { uploadFileArtifact } from '../../shared/action/artifacts.js';
import { errorMessage } from '../../shared/errors.js';

/**
 * Uploads the JSON report as a workflow artifact. Off GitHub it says so and skips; an upload failure
 * is a warning: the verdict stands without its copy.
 */
export async function uploadReport(path: string, name: string): Promise<void> {
  await uploadFileArtifact(name, path, {
    retentionDays: 30,
    offRunner: `Report artifact not uploaded: not running on GitHub Actions (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset). The report is at ${path}.`,
    offRunnerLevel: 'notice',
  }).catch((error) => core.warning(`Could not upload the report artifact '${name}': ${errorMessage(error)}`));
}
