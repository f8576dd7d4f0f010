import { isIndex } from './media-types.js';
import type { RegistryClient } from './registry-client.js';

export interface PlatformImage {
  /** `os/arch[/variant]` as the index states it; undefined for a single-platform manifest. */
  platform?: string;
  digest: string;
  /** Compressed bytes to pull: manifest, config and layers. */
  size: number;
  layers: number;
}

export interface ImageDetails {
  digest: string;
  mediaType: string;
  images: PlatformImage[];
}

interface ImageManifestJson {
  config?: { size?: number };
  layers?: { size?: number }[];
}

interface IndexJson {
  manifests?: { digest: string; platform?: { os?: string; architecture?: string; variant?: string } }[];
}

async function platformImage(client: RegistryClient, repository: string, digest: string, platform?: string): Promise<PlatformImage> {
  const manifest = await client.getManifest(repository, digest);
  const json = JSON.parse(manifest.bytes.toString('utf8')) as ImageManifestJson;
  const layers = json.layers ?? [];
  const size = manifest.size + (json.config?.size ?? 0) + layers.reduce((sum, l) => sum + (l.size ?? 0), 0);
  return { platform, digest, size, layers: layers.length };
}

/** Size and layers of a pushed image, per platform for an index (attestations left out), read from the registry. */
export async function describeImage(client: RegistryClient, repository: string, digest: string): Promise<ImageDetails> {
  const top = await client.getManifest(repository, digest);
  if (!isIndex(top.mediaType)) {
    return { digest, mediaType: top.mediaType, images: [await platformImage(client, repository, digest)] };
  }
  const index = JSON.parse(top.bytes.toString('utf8')) as IndexJson;
  const images: PlatformImage[] = [];
  for (const m of index.manifests ?? []) {
    const p = m.platform;
    if (!p?.os || p.os === 'unknown') continue;
    images.push(await platformImage(client, repository, m.digest, [p.os, p.architecture, p.variant].filter(Boolean).join('/')));
  }
  return { digest, mediaType: top.mediaType, images };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
