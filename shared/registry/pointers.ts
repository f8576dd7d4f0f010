import { ConfigurationError } from '../errors.js';
import { IntegrityError } from './errors.js';
import { historyKey, historyRoot, pointerKey } from './layout.js';
import { readVersion } from './versions.js';
import { isPreconditionFailed, type RegistryStore } from './store.js';

/** Which version serves an environment, bound to the manifest digest it was promoted with. */
export interface PromotionPointer {
  model: string;
  environment: string;
  version: string;
  manifestDigest: string;
  promotedAt: string;
  promotedBy: string;
  /** The version the environment pointed at before, or null for its first promotion. */
  previousVersion: string | null;
  /** Why (a run URL, "rollback: error rate"), free text. */
  note?: string;
}

export interface PromoteOptions {
  promotedBy: string;
  note?: string;
  /** The digest the gate's verdict was computed on: promotion fails if the version's manifest is not that one. */
  expectedDigest?: string;
  /** For tests and replays; defaults to now. */
  now?: Date;
}

export interface PromotionResult {
  pointer: PromotionPointer;
  /** False when the environment already pointed at this version and digest (nothing was written). */
  changed: boolean;
}

function parsePointer(bytes: Buffer, where: string): PromotionPointer {
  let p: Partial<PromotionPointer>;
  try {
    p = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new IntegrityError(`Promotion pointer ${where} is not valid JSON.`);
  }
  const strings = ['model', 'environment', 'version', 'manifestDigest', 'promotedAt', 'promotedBy'] as const;
  if (typeof p !== 'object' || p === null || strings.some((k) => typeof p[k] !== 'string')) {
    throw new IntegrityError(`Promotion pointer ${where} is malformed: it needs ${strings.join(', ')}.`);
  }
  return p as PromotionPointer;
}

async function readPointerObject(store: RegistryStore, model: string, environment: string) {
  const key = pointerKey(model, environment);
  const object = await store.get(key);
  return object && { pointer: parsePointer(object.bytes, `${store.url}/${key}`), etag: object.etag };
}

/** The environment's pointer, or undefined when nothing was ever promoted to it. */
export async function readPointer(store: RegistryStore, model: string, environment: string): Promise<PromotionPointer | undefined> {
  return (await readPointerObject(store, model, environment))?.pointer;
}

/**
 * Points an environment at a complete version. Writes the history entry first (create-only, so history is
 * append-only), then replaces the pointer only if nobody changed it since it was read (If-Match), so two
 * concurrent promotions cannot silently overwrite each other. Re-running the same promotion changes nothing.
 */
export async function promote(
  store: RegistryStore,
  model: string,
  environment: string,
  version: string,
  options: PromoteOptions,
): Promise<PromotionResult> {
  const target = await readVersion(store, model, version, { kind: 'version', version });
  if (options.expectedDigest !== undefined && options.expectedDigest !== target.manifestDigest) {
    throw new IntegrityError(
      `Refusing to promote ${model} ${version} to '${environment}': its manifest digest is ${target.manifestDigest}, but the verdict was for ${options.expectedDigest}.`,
    );
  }
  const current = await readPointerObject(store, model, environment);
  if (current && current.pointer.version === version && current.pointer.manifestDigest === target.manifestDigest) {
    return { pointer: current.pointer, changed: false };
  }
  const at = options.now ?? new Date();
  const pointer: PromotionPointer = {
    model,
    environment,
    version,
    manifestDigest: target.manifestDigest,
    promotedAt: at.toISOString(),
    promotedBy: options.promotedBy,
    previousVersion: current?.pointer.version ?? null,
    ...(options.note === undefined ? {} : { note: options.note }),
  };
  const body = Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`);
  try {
    await store.put(historyKey(model, environment, at, version), body, { ifNoneMatch: '*' });
  } catch (error) {
    if (isPreconditionFailed(error)) {
      throw new ConfigurationError(`A promotion of ${model} ${version} to '${environment}' at ${pointer.promotedAt} is already recorded; re-run to retry.`);
    }
    throw error;
  }
  try {
    await store.put(pointerKey(model, environment), body, current?.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
  } catch (error) {
    if (isPreconditionFailed(error)) {
      throw new ConfigurationError(`The '${environment}' pointer of model '${model}' changed while promoting ${version} (a concurrent promotion); re-run to retry.`);
    }
    throw error;
  }
  return { pointer, changed: true };
}

/** Every promotion of the environment, oldest first. */
export async function pointerHistory(store: RegistryStore, model: string, environment: string): Promise<PromotionPointer[]> {
  const keys = (await store.keys(historyRoot(model, environment))).filter((k) => k.endsWith('.json')).sort();
  const entries: PromotionPointer[] = [];
  for (const key of keys) {
    const object = await store.get(key);
    if (object) entries.push(parsePointer(object.bytes, `${store.url}/${key}`));
  }
  return entries;
}
