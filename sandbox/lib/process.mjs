// Start daemons detached with a pid file, find them again, and stop them by that pid only.
import { spawn, execFileSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pidDir, logDir } from './paths.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Start time of a pid in clock ticks (field 22 of /proc/PID/stat), or null when gone. */
function startTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return null; // zombie: as good as gone
    return fields[19];
  } catch {
    return null;
  }
}

const pidFile = (name) => join(pidDir, `${name}.pid`);
export const logFile = (name) => join(logDir, `${name}.log`);

/** The recorded pid of a daemon when that very process (same start time) still runs. */
export function runningPid(name) {
  let rec;
  try {
    rec = JSON.parse(readFileSync(pidFile(name), 'utf8'));
  } catch {
    return null;
  }
  return startTicks(rec.pid) === rec.start ? rec.pid : null;
}

/** The command line a running daemon was started with ({cmd, args}), or null. */
export function recordedCommand(name) {
  try {
    const { cmd, args } = JSON.parse(readFileSync(pidFile(name), 'utf8'));
    return { cmd, args };
  } catch {
    return null;
  }
}

/** Spawn `cmd args` detached, output appended to logs/NAME.log, pid recorded in pids/NAME.pid. */
export function startDaemon(name, cmd, args, { env, cwd } = {}) {
  mkdirSync(pidDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const out = openSync(logFile(name), 'a');
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  writeFileSync(pidFile(name), JSON.stringify({ pid: child.pid, start: startTicks(child.pid), cmd, args }));
  return child.pid;
}

/** SIGTERM the recorded process (SIGKILL after timeoutMs) and remove its pid file. */
export async function stopDaemon(name, timeoutMs = 10_000) {
  const pid = runningPid(name);
  if (pid) {
    try { process.kill(pid, 'SIGTERM'); } catch {}
    const until = Date.now() + timeoutMs;
    while (runningPid(name) && Date.now() < until) await sleep(50);
    if (runningPid(name)) {
      try { process.kill(pid, 'SIGKILL'); } catch {}
      while (runningPid(name)) await sleep(50);
    }
  }
  rmSync(pidFile(name), { force: true });
  return Boolean(pid);
}

/** Names of all daemons that have a pid file. */
export function recordedDaemons() {
  try {
    return readdirSync(pidDir).filter((f) => f.endsWith('.pid')).map((f) => f.slice(0, -4));
  } catch {
    return [];
  }
}

/** Resident memory in KiB of a pid and all its descendants. */
export function rssKiB(pid) {
  let total = 0;
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += m ? Number(m[1]) : 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(' ') : []) total += rssKiB(Number(k));
    }
  } catch {}
  return total;
}

/** Full path of a command on PATH, or null. */
export function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
