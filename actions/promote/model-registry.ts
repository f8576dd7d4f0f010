import semver from 'semver';
import { ConfigurationError } from '../../shared/errors.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import type { RegistryLocation } from '../../shared/registry/location.js';

/** The registry client for promote (S3 SDK loaded only when `registry` is given). */
export async function openRegistry(location: RegistryLocation): Promise<ModelRegistry> {
  const [{ createS3Client }, { ModelRegistry }] = await Promise.all([import('../../shared/registry/s3-client.js'), import('../../shared/registry/registry.js')]);
  return new ModelRegistry(await createS3Client(), location);
}

/**
 * The version to promote: the input, or the model version the canary recorded (its MODEL_VERSION,
 * `v2.0.0` read as `2.0.0`). Checked to exist as a complete version before anything changes.
 */
export async function checkVersion(registry: ModelRegistry, model: string, given: string | undefined, recorded: string | undefined): Promise<string> {
  if (!given && !recorded) throw new ConfigurationError('Give `version`: the canary records no model version to promote in the registry.');
  const version = given ?? semver.valid(recorded!);
  if (!version) {
    throw new ConfigurationError(`Give \`version\`: the canary's model version '${recorded}' is not a semantic version, so it names no version in the registry.`);
  }
  await registry.resolve(model, { kind: 'version', version });
  return version;
}
