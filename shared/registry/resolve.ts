import { ConfigurationError } from '../errors.js';
import { IntegrityError } from './errors.js';
import { describeRef, type VersionRef } from './names.js';
import { environmentsRoot, manifestKey } from './layout.js';
import { readPointer } from './pointers.js';
import type { RegistryStore } from './store.js';
import { missingModel, modelExists, orderVersions, readVersion, versionFolders, type ResolvedVersion } from './versions.js';

/** The highest complete version (one whose manifest.json exists), in `orderVersions` order. */
async function latest(store: RegistryStore, model: string): Promise<ResolvedVersion> {
  const folders = await versionFolders(store, model);
  for (const version of orderVersions(folders)) {
    if (await store.exists(manifestKey(model, version))) return readVersion(store, model, version, { kind: 'latest' });
  }
  if (folders.length === 0) throw await missingModel(store, model);
  throw new ConfigurationError(`Model '${model}' has no complete semantic-version release in ${store.url} to call \`latest\`.`);
}

/** Finds the version a reference names; a missing model, version or environment is a clear ConfigurationError. */
export async function resolveVersion(store: RegistryStore, model: string, ref: VersionRef): Promise<ResolvedVersion> {
  if (ref.kind === 'version') return readVersion(store, model, ref.version, ref);
  if (ref.kind === 'latest') return latest(store, model);
  const pointer = await readPointer(store, model, ref.environment);
  if (pointer === undefined) {
    const envs = (await store.children(environmentsRoot(model))).objects.filter((o) => o.endsWith('.json')).map((o) => o.slice(0, -5));
    if (envs.length === 0 && !(await modelExists(store, model))) throw await missingModel(store, model);
    throw new ConfigurationError(
      `Invalid \`version\`: model '${model}' has no ${describeRef(ref)} pointer in ${store.url} (environments: ${envs.join(', ') || 'none'}).`,
    );
  }
  const resolved = await readVersion(store, model, pointer.version, ref);
  if (resolved.manifestDigest !== pointer.manifestDigest) {
    throw new IntegrityError(
      `Environment '${ref.environment}' of model '${model}' points at ${pointer.version} with digest ${pointer.manifestDigest}, but its manifest now has ${resolved.manifestDigest}.`,
    );
  }
  return resolved;
}
