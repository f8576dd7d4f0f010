/**
 * Registry-side retag (promote's `image-tag`, build-image's extra tags): our manifest copy against
 * `skopeo copy` of the same tag on the same registry (the sandbox's htpasswd registry, so both pay for
 * auth). Ours is timed as promote runs it, in the action's process with a fresh client (auth handshake
 * included); skopeo as a process, which is how anyone would run it from an action. Median of RUNS each.
 * Target: ratio <= 1.0.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { retagImage } from '../shared/image/retag.js';
import { medianMs, repoRoot, report } from './support.js';

const RUNS = Number(process.env.RETAG_BENCH_RUNS ?? 9);
const LAYERS = 5;

interface Registry {
  host: string;
  username: string;
  password: string;
}

async function sandboxRegistry(): Promise<Registry> {
  const e = process.env;
  if (e.REGISTRY_AUTH && e.REGISTRY_USER && e.REGISTRY_PASSWORD) return { host: e.REGISTRY_AUTH, username: e.REGISTRY_USER, password: e.REGISTRY_PASSWORD };
  const envModule = join(repoRoot(), 'sandbox', 'env.mjs');
  if (!existsSync(envModule)) throw new Error('no sandbox: run `npm run sandbox -- up`');
  const { sandboxEnv } = (await import(pathToFileURL(envModule).href)) as { sandboxEnv: () => { registryAuth: { host: string; user: string; password: string } } };
  const { host, user, password } = sandboxEnv().registryAuth;
  return { host, username: user, password };
}

/** An image made locally (umoci: no public registry here) with LAYERS small layers, like a model server's, pushed by skopeo. */
function pushSource(registry: Registry, repository: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'retag-bench-'));
  const layout = join(dir, 'layout');
  execFileSync('umoci', ['init', '--layout', layout]);
  execFileSync('umoci', ['new', '--image', `${layout}:base`]);
  for (let i = 0; i < LAYERS; i++) {
    const file = join(dir, `layer-${i}.bin`);
    writeFileSync(file, randomBytes(64 * 1024));
    execFileSync('umoci', ['insert', '--image', `${layout}:base`, file, `/srv/layer-${i}.bin`]);
  }
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', `${registry.username}:${registry.password}`, `oci:${layout}:base`, `docker://${registry.host}/${repository}:source`]);
}

const registry = await sandboxRegistry();
const repository = `ai-deploy-bench/retag-${randomBytes(4).toString('hex')}`;
pushSource(registry, repository);
const source = `${registry.host}/${repository}:source`;
const credentials = { username: registry.username, password: registry.password };

let ours = 0;
let theirs = 0;
// One untimed round of each, so neither pays for a cold registry cache.
await retagImage({ source, tag: 'warm-ours', credentials });
const skopeo = (tag: string) =>
  execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-creds', `${registry.username}:${registry.password}`, '--dest-creds', `${registry.username}:${registry.password}`, `docker://${source}`, `docker://${registry.host}/${repository}:${tag}`]);
skopeo('warm-skopeo');

const oursMs = await medianMs(async () => {
  const r = await retagImage({ source, tag: `ours-${ours++}`, credentials });
  if (!r.changed) throw new Error('retag wrote nothing');
}, RUNS);
const skopeoMs = await medianMs(() => skopeo(`skopeo-${theirs++}`), RUNS);
report(`retag (manifest copy) vs skopeo copy, same tag, same registry (htpasswd auth, ${LAYERS} layers)`, oursMs, skopeoMs, 'ms', '<= 1.0');
