import * as core from '@actions/core';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFile, listFiles } from '../../shared/registry/local-files.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import type { ResolvedVersion } from '../../shared/registry/versions.js';
import type { ModelIdentity } from '../../shared/validation/report.js';
import type { Inputs } from './inputs.js';

/** The model under test: where its files are and the digest the verdict is bound to. */
export interface ModelUnderTest {
  identity: ModelIdentity;
  dir?: string;
  /** Set when the version came from the registry (its results are stored beside it). */
  resolved?: ResolvedVersion;
}

/**
 * A local model folder's digest: SHA-256 over its sorted (path, size, sha256) list, so the same files
 * always give the same checksum, whatever their timestamps.
 */
export async function folderChecksum(folder: string): Promise<string> {
  const listing = createHash('sha256');
  for (const path of await listFiles(folder)) {
    const { size, sha256 } = await hashFile(join(folder, path));
    listing.update(`${path}\0${size}\0${sha256}\n`);
  }
  return `sha256:${listing.digest('hex')}`;
}

/** Resolves, downloads and verifies the version in the registry, or hashes the local `model-path`. */
export async function loadModel(inputs: Inputs, registry: ModelRegistry | undefined): Promise<ModelUnderTest> {
  const modelPath = inputs['model-path'];
  if (modelPath) {
    const checksum = await folderChecksum(modelPath);
    const version = inputs.version?.kind === 'version' ? inputs.version.version : undefined;
    core.info(`Model files at ${modelPath}: ${checksum}.`);
    return { identity: { name: inputs.model, version, checksum }, dir: modelPath };
  }
  if (!registry || !inputs.model || !inputs.version) return { identity: {} };
  const resolved = await registry.resolve(inputs.model, inputs.version);
  const dir = inputs['download-path'] ?? join(process.env.RUNNER_TEMP || tmpdir(), 'ai-deploy-models', resolved.model, resolved.version);
  const download = await registry.download(resolved, dir);
  core.info(`${resolved.model} ${resolved.version} (${resolved.manifestDigest}): ${download.reused ? 'already at' : 'downloaded and verified into'} ${download.folder}.`);
  return { identity: { name: resolved.model, version: resolved.version, checksum: resolved.manifestDigest }, dir: download.folder, resolved };
}
