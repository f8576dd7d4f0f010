// Reuse a running daemon when it answers its health check, else (re)start it and wait for health.
import { runningPid, startDaemon, stopDaemon, logFile, recordedCommand } from './process.mjs';
import { waitFor } from './wait.mjs';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { host } from './paths.mjs';

/** True when something accepts connections on host:port. */
export function portBound(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

function tail(name) {
  try {
    return readFileSync(logFile(name), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/**
 * spec: {name, cmd, args, env?, cwd?, ports?: number[], check: async () => boolean, timeoutMs?}
 * A daemon started with other flags is restarted. Returns 'reused' or 'started'.
 */
export async function ensureDaemon(spec) {
  const { name, check, timeoutMs = 60_000 } = spec;
  const rec = recordedCommand(name);
  const same = rec && rec.cmd === spec.cmd && JSON.stringify(rec.args) === JSON.stringify(spec.args);
  if (runningPid(name) && !same) await stopDaemon(name); // started with other flags: restart
  if (runningPid(name)) {
    try {
      await waitFor(name, check, { timeoutMs: 15_000, isDead: () => !runningPid(name) });
      return 'reused';
    } catch {
      await stopDaemon(name); // running but not answering: restart it
    }
  }
  for (const port of spec.ports ?? []) {
    if (await portBound(port)) throw new Error(`${name}: port ${host}:${port} is taken by a process this sandbox did not start`);
  }
  startDaemon(name, spec.cmd, spec.args, { env: spec.env, cwd: spec.cwd });
  try {
    await waitFor(name, check, { timeoutMs, isDead: () => !runningPid(name) });
  } catch (e) {
    throw new Error(`${e.message}\n--- last lines of ${logFile(name)} ---\n${tail(name)}`);
  }
  return 'started';
}
