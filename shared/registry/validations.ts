import { IntegrityError } from './errors.js';
import { validationKey } from './layout.js';
import type { RegistryStore } from './store.js';
import { readVersion } from './versions.js';

/** A gate report stored beside the version it judged, bound to the manifest digest it was computed on. */
export interface StoredValidation<Report = unknown> {
  model: string;
  version: string;
  suite: string;
  manifestDigest: string;
  storedAt: string;
  report: Report;
}

/**
 * Stores a suite's report for a version (replacing an earlier run of the same suite). Refused when the
 * version's manifest is no longer the one the report was computed on.
 */
export async function storeValidation<Report>(
  store: RegistryStore,
  entry: Omit<StoredValidation<Report>, 'storedAt'> & { storedAt?: string },
): Promise<StoredValidation<Report>> {
  const current = await readVersion(store, entry.model, entry.version, { kind: 'version', version: entry.version });
  if (current.manifestDigest !== entry.manifestDigest) {
    throw new IntegrityError(
      `Not storing the '${entry.suite}' report of ${entry.model} ${entry.version}: it was computed on ${entry.manifestDigest}, the version's manifest is ${current.manifestDigest}.`,
    );
  }
  const stored: StoredValidation<Report> = { ...entry, storedAt: entry.storedAt ?? new Date().toISOString() };
  await store.put(validationKey(entry.model, entry.version, entry.suite), Buffer.from(`${JSON.stringify(stored)}\n`));
  return stored;
}

/** The stored report of a suite for a version, or undefined when that suite never ran on it. */
export async function readValidation<Report = unknown>(
  store: RegistryStore,
  model: string,
  version: string,
  suite: string,
): Promise<StoredValidation<Report> | undefined> {
  const key = validationKey(model, version, suite);
  const object = await store.get(key);
  if (object === undefined) return undefined;
  try {
    return JSON.parse(object.bytes.toString('utf8')) as StoredValidation<Report>;
  } catch {
    throw new IntegrityError(`Stored validation ${store.url}/${key} is not valid JSON.`);
  }
}
