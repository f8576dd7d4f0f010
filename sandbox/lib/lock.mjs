// A lock file in the run dir so two `up`/`down` runs (e.g. two jest processes) never race.
import { mkdirSync, openSync, closeSync, writeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from './paths.mjs';
import { sleep } from './wait.mjs';

const lockFile = join(runDir, '.lock');

function holder() {
  try {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Run fn while holding the lock; waits (up to timeoutMs) while another live process holds it. */
export async function withLock(fn, log = () => {}, timeoutMs = 90 * 60_000) {
  mkdirSync(runDir, { recursive: true });
  const until = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = holder();
      if (!pid) { rmSync(lockFile, { force: true }); continue; } // stale
      if (Date.now() > until) throw new Error(`sandbox lock held by pid ${pid} (${lockFile})`);
      if (!told) { log(`waiting for another sandbox command (pid ${pid})`); told = true; }
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
