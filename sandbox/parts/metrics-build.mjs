// Builds metrics-server from the Go tools module sandbox/metrics-tool into the cache bin dir; skipped
// when its build stamp matches. Apart from the Kubernetes build (k8s-tools) so that it pins its own
// k8s.io/* versions and adding or bumping it rebuilds nothing else.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { which } from '../lib/process.mjs';

export const metricsServerVersion = 'v0.9.0';
const modDir = join(sandboxDir, 'metrics-tool');
const ldflags = `-s -w -X k8s.io/client-go/pkg/version.gitVersion=${metricsServerVersion}`;

export const metricsServerBin = join(binDir, 'metrics-server');
/** Set by ensureMetricsServer: whether this process ran the Go build, and how long it took. */
export const metricsBuildInfo = { ran: false, ms: 0 };

function stamp() {
  const h = createHash('sha256').update(ldflags);
  for (const f of ['go.mod', 'go.sum', 'tools.go']) h.update(readFileSync(join(modDir, f)));
  return h.digest('hex');
}

/** Build bin/metrics-server if missing or stale. Returns true when a build ran. */
export async function ensureMetricsServer(log) {
  const stampFile = join(binDir, '.metrics-server-stamp');
  const want = stamp();
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
  if (have === want && existsSync(metricsServerBin)) return false;
  if (!which('go')) throw new Error('Go >= 1.26.4 is needed to build metrics-server (go not on PATH)');
  mkdirSync(binDir, { recursive: true });
  const logPath = join(cacheRoot, 'metrics-server-build.log');
  log(`building metrics-server ${metricsServerVersion} with Go; first time takes a few minutes on 2 cores; log: ${logPath}`);
  const t0 = Date.now();
  const out = openSync(logPath, 'w');
  const args = ['build', '-trimpath', '-ldflags', ldflags, '-o', metricsServerBin, 'sigs.k8s.io/metrics-server/cmd/metrics-server'];
  const code = await new Promise((resolve) => {
    const p = spawn('go', args, { cwd: modDir, stdio: ['ignore', out, out], env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' } });
    p.on('error', () => resolve(-1));
    p.on('exit', resolve);
  });
  closeSync(out);
  if (code !== 0) throw new Error(`go build of metrics-server failed (exit ${code}); see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
  writeFileSync(stampFile, want);
  Object.assign(metricsBuildInfo, { ran: true, ms: Date.now() - t0 });
  return true;
}
