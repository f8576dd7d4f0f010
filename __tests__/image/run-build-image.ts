import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../actions/build-image/main.js';
import { runInProcess, type StepResult } from '../support/run-step.js';
import { buildahEnv, buildContext, tempDir } from './support.js';

export const SHA = '4f2c9e1b7a3d5f60819e2d3c4b5a69788796a5b4';
export const MODEL_DOCKERFILE = 'FROM scratch\nARG MODEL_VERSION=unset\nLABEL model.version=$MODEL_VERSION\nCOPY model.txt /srv/model.txt\n';

/** A workspace with a Dockerfile and the file it copies. */
export function workspace(files: Record<string, string> = { Dockerfile: MODEL_DOCKERFILE, 'model.txt': 'weights v7\n' }): string {
  return buildContext(files);
}

/**
 * Runs build-image's main step in-process as the runner would: GITHUB_* describing a commit, a
 * workspace, buildah on its own storage, and no registry login inherited from this machine.
 */
export function runBuildImage(inputs: Record<string, string>, options: { workspace: string; env?: Record<string, string> }): Promise<StepResult> {
  // @actions/core remembers the first GITHUB_STEP_SUMMARY it saw; each run here has its own file.
  (core.summary as unknown as { _filePath?: string })._filePath = undefined;
  const noLogins = join(tempDir(), 'auth.json');
  writeFileSync(noLogins, '{"auths":{}}');
  return runInProcess(run, inputs, {
    env: {
      ...buildahEnv(),
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_SHA: SHA,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REPOSITORY: 'acme/model-server',
      GITHUB_SERVER_URL: 'https://github.com',
      DOCKER_CONFIG: tempDir(),
      REGISTRY_AUTH_FILE: noLogins,
      XDG_RUNTIME_DIR: tempDir(),
      REGISTRY_USERNAME: '',
      REGISTRY_PASSWORD: '',
      ...options.env,
    },
  });
}

/** True when the step ran buildah or docker (the runner echoes each command it runs as `[command]`). */
export function ranABuilder(result: StepResult): boolean {
  return /\[command\]\S*(buildah|docker)\s/.test(result.stdout);
}
