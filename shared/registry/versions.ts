import semver from 'semver';
import { ConfigurationError } from '../errors.js';
import { IntegrityError } from './errors.js';
import type { VersionRef } from './names.js';
import { manifestKey, modelRoot, modelsRoot, versionRoot, versionsRoot } from './layout.js';
import { manifestDigest, parseManifest, type ModelManifest } from './manifest.js';
import type { RegistryStore } from './store.js';

/** A version found in the registry, with the manifest read once and its digest. */
export interface ResolvedVersion {
  model: string;
  version: string;
  manifest: ModelManifest;
  /** `sha256:<hex>` of manifest.json's bytes. */
  manifestDigest: string;
  /** How it was named: directly, as `latest`, or through an environment's pointer. */
  via: VersionRef;
}

/**
 * Version folder names in semantic-version order, highest first. Folders whose name is not a canonical
 * semantic version (not published by us) are left out; so are pre-releases unless no release exists.
 */
export function orderVersions(names: readonly string[]): string[] {
  const canonical = names.filter((n) => semver.valid(n) === n);
  const releases = canonical.filter((n) => semver.prerelease(n) === null);
  return semver.rsort(releases.length ? releases : canonical);
}

/** Every version folder's name (complete or not), unordered. */
export async function versionFolders(store: RegistryStore, model: string): Promise<string[]> {
  return store.folders(versionsRoot(model));
}

export const modelExists = async (store: RegistryStore, model: string) => (await store.folders(modelRoot(model))).length > 0;

export async function missingModel(store: RegistryStore, model: string): Promise<ConfigurationError> {
  const models = await store.folders(modelsRoot);
  const known = models.length ? `models there: ${models.slice(0, 20).join(', ')}` : 'it holds no models';
  return new ConfigurationError(`Invalid \`model\`: '${model}' is not in registry ${store.url} (${known}).`);
}

/** Reads a version's manifest; a folder without one is a publish that has not finished. */
export async function readVersion(store: RegistryStore, model: string, version: string, via: VersionRef): Promise<ResolvedVersion> {
  const object = await store.get(manifestKey(model, version));
  if (object === undefined) {
    const folders = await versionFolders(store, model);
    if (folders.includes(version)) {
      throw new ConfigurationError(`Version ${version} of model '${model}' is incomplete (no manifest.json): its publish has not finished.`);
    }
    if (folders.length === 0 && !(await modelExists(store, model))) throw await missingModel(store, model);
    const known = orderVersions(folders).slice(0, 20).join(', ') || 'none';
    throw new ConfigurationError(`Invalid \`version\`: model '${model}' has no version ${version} in ${store.url} (versions: ${known}).`);
  }
  const manifest = parseManifest(object.bytes, `${store.url}/${manifestKey(model, version)}`);
  if (manifest.name !== model || manifest.version !== version) {
    throw new IntegrityError(
      `Manifest at ${versionRoot(model, version)} names ${manifest.name} ${manifest.version}, not ${model} ${version}: the registry was edited by hand.`,
    );
  }
  return { model, version, manifest, manifestDigest: manifestDigest(object.bytes), via };
}

