// Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from the Go
// tools module sandbox/k8s-tools into the cache bin dir; skipped when the build stamp matches.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { which } from '../lib/process.mjs';

const k8sVersion = 'v1.36.3';
const modDir = join(sandboxDir, 'k8s-tools');
const packages = {
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
  kwok: 'sigs.k8s.io/kwok/cmd/kwok',
  etcd: './etcd',
};
const v = 'k8s.io/component-base/version';
const ldflags = `-s -w -X ${v}.gitVersion=${k8sVersion} -X ${v}.gitMajor=1 -X ${v}.gitMinor=36 -X ${v}.gitTreeState=clean`;

export const bin = (name) => join(binDir, name);
/** Set by ensureBinaries: whether this process ran a Go build, and how long it took. */
export const buildInfo = { ran: false, ms: 0 };

function stamp() {
  const h = createHash('sha256').update(ldflags);
  for (const f of ['go.mod', 'go.sum', 'tools.go', 'etcd/main.go']) h.update(readFileSync(join(modDir, f)));
  return h.digest('hex');
}

/** Build the binaries if missing or stale. Returns true when a build ran. */
export async function ensureBinaries(log) {
  const stampFile = join(binDir, '.build-stamp');
  const want = stamp();
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
  if (have === want && Object.keys(packages).every((b) => existsSync(bin(b)))) return false;
  if (!which('go')) throw new Error('Go >= 1.26 is needed to build the Kubernetes binaries (go not on PATH)');
  mkdirSync(binDir, { recursive: true });
  const logPath = join(cacheRoot, 'build.log');
  log(`building ${Object.keys(packages).join(', ')} (Kubernetes ${k8sVersion}) with Go; first time takes ~15 min on 2 cores; log: ${logPath}`);
  const t0 = Date.now();
  const out = openSync(logPath, 'w');
  const args = ['build', '-trimpath', '-ldflags', ldflags, '-o', binDir + '/', ...Object.values(packages)];
  const code = await new Promise((resolve) => {
    const p = spawn('go', args, { cwd: modDir, stdio: ['ignore', out, out], env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' } });
    p.on('exit', resolve);
  });
  closeSync(out);
  if (code !== 0) throw new Error(`go build failed (exit ${code}); see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-2000)}`);
  writeFileSync(stampFile, want);
  Object.assign(buildInfo, { ran: true, ms: Date.now() - t0 });
  return true;
}
