import { createHash } from 'node:crypto';
import { IntegrityError } from './errors.js';
import { checkManifestPath, checkPathSet } from './manifest-path.js';

export interface ManifestFile {
  /** Relative to the version's `files/` folder, `/`-separated. */
  path: string;
  size: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
}

/** What `manifest.json` holds: the version's identity, provenance and every file. */
export interface ModelManifest {
  schemaVersion: 1;
  name: string;
  version: string;
  framework: string;
  createdAt: string;
  createdBy: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
  files: ManifestFile[];
}

/** `sha256:<hex>` of the exact manifest bytes: the checksum that binds a verdict or a promotion to the artifact. */
export function manifestDigest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function serializeManifest(manifest: ModelManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks a manifest's bytes; `source` names it in errors. Every path is checked for escapes. */
export function parseManifest(bytes: Uint8Array, source: string): ModelManifest {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new IntegrityError(`Manifest ${source} is not valid JSON: ${(error as Error).message}`);
  }
  const bad = (what: string) => new IntegrityError(`Manifest ${source} is malformed: ${what}.`);
  if (!isRecord(data)) throw bad('expected a JSON object');
  if (data.schemaVersion !== 1) throw bad(`unsupported schemaVersion ${JSON.stringify(data.schemaVersion)} (expected 1)`);
  for (const key of ['name', 'version', 'framework', 'createdAt', 'createdBy'] as const) {
    if (typeof data[key] !== 'string') throw bad(`\`${key}\` must be a string`);
  }
  const { tags, metrics, files } = data;
  if (!isRecord(tags) || Object.values(tags).some((v) => typeof v !== 'string')) throw bad('`tags` must map names to strings');
  if (!isRecord(metrics) || Object.values(metrics).some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw bad('`metrics` must map names to finite numbers');
  }
  if (!Array.isArray(files)) throw bad('`files` must be a list');
  const checked = files.map((f, i): ManifestFile => {
    if (!isRecord(f) || typeof f.path !== 'string') throw bad(`files[${i}] needs a string \`path\``);
    checkManifestPath(f.path);
    if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) throw bad(`file ${JSON.stringify(f.path)} has no valid \`size\``);
    if (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) throw bad(`file ${JSON.stringify(f.path)} has no valid \`sha256\``);
    return { path: f.path, size: f.size, sha256: f.sha256 };
  });
  checkPathSet(checked.map((f) => f.path));
  return { ...(data as unknown as ModelManifest), files: checked };
}
