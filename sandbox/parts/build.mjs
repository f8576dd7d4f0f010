// Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok from the Go
// tools module sandbox/k8s-tools into the cache bin dir; skipped when the build stamp matches.
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { buildStamped } from '../lib/go-build.mjs';

const k8sVersion = 'v1.36.3';
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

/** Build the binaries if missing or stale. Returns true when a build ran. */
export async function ensureBinaries(log) {
  const built = await buildStamped({
    what: `${Object.keys(packages).join(', ')} (Kubernetes ${k8sVersion})`,
    modDir: join(sandboxDir, 'k8s-tools'),
    files: ['go.mod', 'go.sum', 'tools.go', 'etcd/main.go'],
    ldflags,
    output: binDir + '/',
    outputs: Object.keys(packages).map(bin),
    packages: Object.values(packages),
    stampFile: join(binDir, '.build-stamp'),
    logPath: join(cacheRoot, 'build.log'),
    log,
    takes: '~15 min',
  });
  if (built.ran) Object.assign(buildInfo, built);
  return built.ran;
}
