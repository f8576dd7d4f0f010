import * as core from '@actions/core';
import { dockerLogout } from '../../shared/image/buildx.js';
import { removeNewContainers, removeWorkDir } from '../../shared/image/leftovers.js';
import { buildStepState } from './step-state.js';

/**
 * Runs after the job, also on cancel and failure: a main step that was killed before its own cleanup leaves
 * the work folder (with the registry auth.json) and buildah working containers; they are removed here.
 */
export async function run(): Promise<void> {
  const saved = buildStepState.read();
  if (!saved) {
    core.info('build-image did not start a build in this run: nothing to clean up.');
    return;
  }
  await removeWorkDir(saved.workDir);
  if (saved.finished) {
    core.info('build-image cleaned up after itself.');
    return;
  }
  const removed = saved.containersBefore ? await removeNewContainers(saved.containersBefore) : 0;
  if (saved.dockerLogin) await dockerLogout(saved.dockerLogin);
  core.info(
    `build-image was cut short: removed its work folder and credentials file${removed ? ` and ${removed} buildah working container(s)` : ''}${saved.dockerLogin ? `, and logged Docker out of ${saved.dockerLogin}` : ''}.`,
  );
}
