// Builds Traefik (the sandbox gateway) from the Go tools module sandbox/traefik-tool into the
// cache bin dir; skipped when its build stamp matches. Apart from the Kubernetes build so that
// each pins its own k8s.io/* versions and either can be rebuilt alone.
//
// The Go proxy reachable here does not serve every module Traefik's full build graph names: six
// of lego's DNS-01 providers (Akamai, Huawei, Oracle, Sakura, UCloud, Yandex SDKs) and Traefik's
// fork of go-http-auth. So the build runs in a copy of the tools module in the cache dir, whose
// go.mod also points lego and go-http-auth at copies taken from the module cache: lego's provider
// table returns an error for those six names, and go-http-auth v0.4.0 (public tag) gets the one
// two functions Traefik takes from its fork (traefik-tool/fork-additions.go.txt). The sandbox uses neither
// ACME nor basic auth. Nothing of either is kept in git.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { which } from '../lib/process.mjs';

export const traefikVersion = 'v3.7.13';
const modDir = join(sandboxDir, 'traefik-tool');
const buildDir = join(cacheRoot, 'traefik-build');
const unavailableDnsProviders = ['edgedns', 'huaweicloud', 'oraclecloud', 'sakuracloud', 'ucloud', 'yandexcloud'];
const ldflags = `-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${traefikVersion.slice(1)}`;
const goEnv = { GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod -buildvcs=false' };

export const traefikBin = join(binDir, 'traefik');
/** Set by ensureTraefik: whether this process ran the Go build, and how long it took. */
export const gatewayBuildInfo = { ran: false, ms: 0 };

function stamp() {
  const h = createHash('sha256').update(ldflags).update(unavailableDnsProviders.join());
  for (const f of ['go.mod', 'go.sum', 'tools.go', 'ext/go.mod', 'ext/ext.go', 'fork-additions.go.txt']) h.update(readFileSync(join(modDir, f)));
  return h.digest('hex');
}

function go(args, cwd, out) {
  return new Promise((resolve, reject) => {
    const p = spawn('go', args, { cwd, stdio: ['ignore', out ?? 'pipe', out ?? 'inherit'], env: { ...process.env, ...goEnv } });
    let stdout = '';
    p.stdout?.on('data', (d) => (stdout += d));
    p.on('error', reject);
    // 'close', not 'exit': stdout may still hold unread data when the process exits (seen under load: empty JSON)
    p.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`go ${args.join(' ')} exited ${code}`))));
  });
}

/** A writable copy of a module from the module cache (downloaded if needed) at buildDir/name. */
async function copyModule(path, name) {
  const { Dir, Error: err } = JSON.parse(await go(['mod', 'download', '-json', path], modDir));
  if (!Dir) throw new Error(`go mod download ${path}: ${err}`);
  const to = join(buildDir, name);
  cpSync(Dir, to, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', to]); // the module cache is read-only
  return to;
}

/** Prepare buildDir: the tools module plus patched copies of lego and go-http-auth. */
async function prepareBuildDir() {
  rmSync(buildDir, { recursive: true, force: true, maxRetries: 3 });
  mkdirSync(buildDir, { recursive: true });
  for (const f of ['go.mod', 'go.sum', 'tools.go', 'ext']) cpSync(join(modDir, f), join(buildDir, f), { recursive: true });
  const legoVersion = (await go(['list', '-m', '-f', '{{.Version}}', 'github.com/go-acme/lego/v5'], modDir)).trim();
  const lego = await copyModule(`github.com/go-acme/lego/v5@${legoVersion}`, 'lego');
  const table = join(lego, 'providers', 'dns', 'zz_gen_dns_providers.go');
  let src = readFileSync(table, 'utf8');
  for (const name of unavailableDnsProviders) {
    const imp = `\t"github.com/go-acme/lego/v5/providers/dns/${name}"\n`;
    const call = `return ${name}.NewDNSProvider()`;
    if (!src.includes(imp) || !src.includes(call)) throw new Error(`lego ${legoVersion}: provider ${name} not found in ${table}; update gateway-build.mjs`);
    src = src.replace(imp, '').replace(call, `return nil, fmt.Errorf("DNS provider ${name} is not built into the ai-deploy sandbox gateway")`);
  }
  writeFileSync(table, src);
  const httpAuth = await copyModule('github.com/abbot/go-http-auth@v0.4.0', 'go-http-auth');
  cpSync(join(modDir, 'fork-additions.go.txt'), join(httpAuth, 'fork_additions.go'));
  writeFileSync(join(httpAuth, 'go.mod'), 'module github.com/abbot/go-http-auth\n\ngo 1.13\n'); // v0.4.0 predates modules
  let mod = readFileSync(join(buildDir, 'go.mod'), 'utf8');
  mod = mod.replace('github.com/abbot/go-http-auth => github.com/abbot/go-http-auth v0.4.0', 'github.com/abbot/go-http-auth => ./go-http-auth');
  writeFileSync(join(buildDir, 'go.mod'), `${mod}\nreplace github.com/go-acme/lego/v5 => ./lego\n`);
}

/** Build bin/traefik if missing or stale. Returns true when a build ran. */
export async function ensureTraefik(log) {
  const stampFile = join(binDir, '.traefik-stamp');
  const want = stamp();
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
  if (have === want && existsSync(traefikBin)) return false;
  if (!which('go')) throw new Error('Go >= 1.26 is needed to build Traefik (go not on PATH)');
  mkdirSync(binDir, { recursive: true });
  const logPath = join(cacheRoot, 'traefik-build.log');
  log(`building traefik ${traefikVersion} with Go; first time takes ~10 min on 2 cores; log: ${logPath}`);
  const t0 = Date.now();
  await prepareBuildDir();
  const out = openSync(logPath, 'w');
  try {
    await go(['build', '-trimpath', '-ldflags', ldflags, '-o', traefikBin, 'github.com/traefik/traefik/v3/cmd/traefik'], buildDir, out);
  } catch (e) {
    throw new Error(`${e.message}; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
  } finally {
    closeSync(out);
  }
  writeFileSync(stampFile, want);
  Object.assign(gatewayBuildInfo, { ran: true, ms: Date.now() - t0 });
  return true;
}
