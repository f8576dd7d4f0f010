// Prometheus (Debian package), loadable live by remote write (out-of-order window 7d) and with the
// admin API on, for tests that delete series. Backfilled instances: see ../prometheus-backfill.mjs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, ports, runDir } from '../lib/paths.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { runningPid } from '../lib/process.mjs';
import { healthy } from '../lib/wait.mjs';

export const name = 'prometheus';
export const daemons = ['prometheus'];
export const aptCommands = { prometheus: 'prometheus', promtool: 'prometheus' };
const url = `http://${host}:${ports.prometheus}`;

export const config = `global: {scrape_interval: 15s, evaluation_interval: 15s}
storage: {tsdb: {out_of_order_time_window: 7d}}
scrape_configs:
  - job_name: gateway  # Traefik (parts/gateway.mjs), per-service request counts and durations
    scrape_interval: 1s
    static_configs: [{targets: ['${host}:${ports.gatewayMetrics}']}]
`;

/** Command-line arguments for a Prometheus on `port` with its TSDB in `dataDir`. */
export function prometheusArgs(configFile, dataDir, port) {
  return [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=${host}:${port}`,
    '--web.enable-remote-write-receiver', '--web.enable-admin-api', '--web.enable-lifecycle',
    '--storage.tsdb.retention.time=400d', '--log.level=warn'];
}

export function env() {
  return { PROMETHEUS_URL: url };
}

export async function check() {
  return Boolean(runningPid('prometheus')) && healthy(`${url}/-/ready`);
}

export async function up() {
  const dir = join(runDir, 'prometheus');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const how = await ensureDaemon({
    name: 'prometheus', cmd: 'prometheus', ports: [ports.prometheus], check: () => healthy(`${url}/-/ready`),
    args: prometheusArgs(join(dir, 'prometheus.yml'), join(dir, 'data'), ports.prometheus),
  });
  if (how === 'reused') await fetch(`${url}/-/reload`, { method: 'POST' }); // pick up a changed config
  return env();
}
