// Install what a part needs when it is missing: Debian packages (apt) and moto (pip).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { which } from './process.mjs';

let aptUpdated = false;

/** Ensure each command exists, installing its Debian package when not. `cmds` maps command -> package. */
export function ensureApt(cmds, log) {
  installApt([...new Set(Object.entries(cmds).filter(([c]) => !which(c)).map(([, p]) => p))], log);
}

/** Ensure each file exists (a tool at the path its Debian package puts it), installing the package when not. */
export function ensureAptFiles(files, log) {
  installApt([...new Set(Object.entries(files).filter(([f]) => !existsSync(f)).map(([, p]) => p))], log);
}

function installApt(missing, log) {
  if (!missing.length) return;
  if (process.getuid?.() !== 0 && !which('sudo')) {
    throw new Error(`missing Debian packages ${missing.join(' ')}: install them as root`);
  }
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args) =>
    execFileSync(sudo[0] ?? args[0], sudo.length ? args : args.slice(1), {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  log(`installing Debian packages: ${missing.join(' ')}`);
  if (!aptUpdated) {
    run(['apt-get', 'update', '-qq']);
    aptUpdated = true;
  }
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

/** Path of moto_server, installing moto[server] with pip when missing. */
export function ensureMoto(log) {
  let path = which('moto_server');
  if (!path) {
    log("installing moto[server] with pip");
    execFileSync('python3', ['-m', 'pip', 'install', '-q', 'moto[server]'], { stdio: ['ignore', 'ignore', 'inherit'] });
    try { execFileSync('pyenv', ['rehash'], { stdio: 'ignore' }); } catch {}
    path = which('moto_server');
    if (!path) throw new Error('moto_server not found after pip install');
  }
  // pyenv puts a bash shim on PATH; start the real script so the pid we record is the server's.
  try {
    const real = execFileSync('pyenv', ['which', 'moto_server'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (real) path = real;
  } catch {}
  return path;
}
