import { ConfigurationError } from '../../shared/action/errors.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import type { RegistryLocation } from '../../shared/registry/location.js';

/** The registry client for promote (S3 SDK loaded only when `registry` is given). */
export async function openRegistry(location: RegistryLocation): Promise<ModelRegistry> {
  const [{ createS3Client }, { ModelRegistry }] = await Promise.all([import('../../shared/registry/s3-client.js'), import('../../shared/registry/registry.js')]);
  return new ModelRegistry(await createS3Client(), location);
}

/** The version to promote: the input, or the model version the canary recorded. Checked to exist. */
export async function checkVersion(registry: ModelRegistry, model: string, given: string | undefined, recorded: string | undefined): Promise<string> {
  const version = given ?? recorded;
  if (!version) throw new ConfigurationError('Give `version`: the canary records no model version to promote in the registry.');
  await registry.resolve(model, { kind: 'version', version });
  return version;
}
