import * as core from '@actions/core';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { runnerTempDir } from '../../shared/action/workspace.js';
import { buildahContainers, removeNewContainers, removeOnCancel, removeWorkDir, type BuildLeftovers } from '../../shared/image/leftovers.js';
import { buildStepState } from './step-state.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { phase } from '../../shared/action/phase.js';
import { appendSummary } from '../../shared/action/summary.js';
import { chooseBuilder } from '../../shared/image/choose-builder.js';
import { credentialsFromAuthConfig, hasCredentialHelper } from '../../shared/image/credentials.js';
import { planBuild } from '../../shared/image/plan.js';
import { isLoopbackRegistry, repositoryName } from '../../shared/image/reference.js';
import { RegistryClient } from '../../shared/image/registry-client.js';
import { scanImage, type ScanOutcome } from '../../shared/image/scan.js';
import { buildSummary } from '../../shared/image/summary.js';
import { readBackPush, type PushedImage } from '../../shared/image/verify.js';
import { getInputs, type Inputs } from './inputs.js';
import { runStep } from '../../shared/action/runner.js';

export function run(inputs?: Inputs): Promise<void> {
  // The typescript-action contract (`@github/local-action` calls this): never throws, failures end in core.setFailed.
  // `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here.
  return runStep(async () => buildImage(inputs ?? getInputs()));
}

async function buildImage(inputs: Inputs): Promise<void> {
  const { context, file, target, image, tags, platforms, push, labels, cache, git } = inputs;
  const spec = planBuild({ context, file, target, image, tags, platforms, push, buildArgs: inputs['build-args'], labels, cache, git }, new Date());
  const { registry: host, repository } = spec.image;
  const credentials = inputs.credentials ?? credentialsFromAuthConfig(host);
  const canReadRegistry = credentials !== undefined || !hasCredentialHelper(host);
  const plainHttp = isLoopbackRegistry(host);
  const registry = new RegistryClient({ registry: host, credentials, plainHttp });

  // Refused credentials fail now, not after a long build.
  if (spec.push && canReadRegistry) await phase('Registry access', () => registry.checkAccess(repository, ['pull', 'push']));
  const builder = await phase('Builder', async () => {
    const chosen = await chooseBuilder(inputs.builder);
    core.info(`Building with ${chosen.name}; tags: ${spec.tags.join(', ')}`);
    return chosen;
  });

  // Under RUNNER_TEMP, recorded before the build: a cancel removes it at once, the post step after a killed main.
  const workDir = await mkdtemp(join(runnerTempDir(), 'ai-deploy-build-'));
  const loginFromInputs = builder.name === 'buildx' && spec.push && inputs.credentials !== undefined;
  const leftovers: BuildLeftovers = {
    workDir,
    containersBefore: builder.name === 'buildah' ? await buildahContainers() : undefined,
    dockerLogin: loginFromInputs ? host : undefined,
    finished: false,
  };
  buildStepState.save(leftovers);
  const stopListening = removeOnCancel(workDir);
  let pushed: PushedImage | undefined;
  try {
    const result = await phase(`Build with ${builder.name}`, () =>
      builder.build(spec, { registry, credentials, plainHttp, workDir, warn: core.warning, logoutAfter: loginFromInputs }),
    );
    if (spec.push) pushed = await phase('Read back from the registry', () => readBackPush(registry, spec, result.digest, { canReadRegistry, warn: core.warning }));
  } finally {
    stopListening();
    await removeWorkDir(workDir);
    if (leftovers.containersBefore) await removeNewContainers(leftovers.containersBefore);
    buildStepState.save({ ...leftovers, finished: true });
  }

  let scan: ScanOutcome | undefined;
  if (inputs.scan && pushed) {
    const image = pushed.image;
    scan = await phase('Vulnerability scan', () => scanImage(image, inputs.scan!, { credentials, plainHttp }));
  } else if (inputs.scan) scan = { status: 'skipped', reason: 'the image was not pushed (`push: false`), and trivy scans pushed images' };
  if (scan?.status === 'skipped') core.warning(`Vulnerability scan skipped: ${scan.reason}.`);

  setOutputs({
    image: pushed?.image,
    digest: pushed?.digest,
    tags: spec.tags.map((t) => `${repositoryName(spec.image)}:${t}`).join('\n'),
  });
  await appendSummary(buildSummary(spec, builder.name, pushed, scan));
  if (scan?.status === 'failed') {
    const ids = [...new Set(scan.findings.map((f) => f.id))];
    throw new Error(
      `Vulnerability gate: ${scan.findings.length} finding(s) at or above ${scan.threshold} in ${pushed!.image}: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}.`,
    );
  }
}
