// Builds metrics-server from the Go tools module sandbox/metrics-tool into the cache bin dir; skipped
// when its build stamp matches. Apart from the Kubernetes build (k8s-tools) so that it pins its own
// k8s.io/* versions and adding or bumping it rebuilds nothing else. Needs Go >= 1.26.4.
import { join } from 'node:path';
import { binDir, cacheRoot, sandboxDir } from '../lib/paths.mjs';
import { buildStamped } from '../lib/go-build.mjs';

export const metricsServerVersion = 'v0.9.0';
export const metricsServerBin = join(binDir, 'metrics-server');

/** Build bin/metrics-server if missing or stale. Returns true when a build ran. */
export async function ensureMetricsServer(log) {
  const built = await buildStamped({
    what: `metrics-server ${metricsServerVersion}`,
    modDir: join(sandboxDir, 'metrics-tool'),
    files: ['go.mod', 'go.sum', 'tools.go'],
    ldflags: `-s -w -X k8s.io/client-go/pkg/version.gitVersion=${metricsServerVersion}`,
    output: metricsServerBin,
    outputs: [metricsServerBin],
    packages: ['sigs.k8s.io/metrics-server/cmd/metrics-server'],
    stampFile: join(binDir, '.metrics-server-stamp'),
    logPath: join(cacheRoot, 'metrics-server-build.log'),
    log,
    takes: 'a few minutes',
  });
  return built.ran;
}
