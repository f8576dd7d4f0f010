// A throw-away Prometheus loaded by backfill before it starts: OpenMetrics text -> promtool
// `tsdb create-blocks-from openmetrics` -> Prometheus on a free loopback port (about 0.5 s in all).
// Each test gets its own instance and data, the shared sandbox Prometheus is left alone.
//   import { startBackfilledPrometheus } from '../sandbox/prometheus-backfill.mjs';
//   const prom = await startBackfilledPrometheus(text); ... prom.url ...; await prom.stop();
// OpenMetrics rules: timestamps in SECONDS, the text must end with "# EOF", samples in time order.
// CLI: node sandbox/prometheus-backfill.mjs data.om   (prints PROMETHEUS_URL=...; `npm run sandbox -- down` stops it)
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { host } from './lib/paths.mjs';
import { startDaemon, stopDaemon, runningPid, logFile } from './lib/process.mjs';
import { healthy, waitFor } from './lib/wait.mjs';
import { config, prometheusArgs } from './parts/prometheus.mjs';

const run = promisify(execFile);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, host, () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/**
 * @param {string} openMetrics OpenMetrics text ending with "# EOF" (timestamps in seconds)
 * @returns {Promise<{url: string, port: number, dataDir: string, stop: () => Promise<void>}>}
 */
export async function startBackfilledPrometheus(openMetrics) {
  const dir = mkdtempSync(join(tmpdir(), 'ai-deploy-prom-'));
  const dataDir = join(dir, 'data');
  const text = openMetrics.trimEnd().endsWith('# EOF') ? openMetrics : `${openMetrics.trimEnd()}\n# EOF\n`;
  writeFileSync(join(dir, 'data.om'), text.endsWith('\n') ? text : `${text}\n`);
  writeFileSync(join(dir, 'prometheus.yml'), config);
  await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'data.om'), dataDir]);
  const port = await freePort();
  const name = `prometheus-backfill-${port}`;
  const url = `http://${host}:${port}`;
  startDaemon(name, 'prometheus', prometheusArgs(join(dir, 'prometheus.yml'), dataDir, port));
  await waitFor(name, () => healthy(`${url}/-/ready`), { timeoutMs: 30_000, intervalMs: 50, isDead: () => !runningPid(name) });
  return {
    url, port, dataDir,
    stop: async () => {
      await stopDaemon(name);
      rmSync(dir, { recursive: true, force: true });
      rmSync(logFile(name), { force: true });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) { console.error('usage: node sandbox/prometheus-backfill.mjs FILE.om'); process.exit(2); }
  const p = await startBackfilledPrometheus(readFileSync(file, 'utf8'));
  console.log(`PROMETHEUS_URL=${p.url}`);
}
