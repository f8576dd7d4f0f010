import { execFile } from 'node:child_process';
import { ConfigurationError } from '../errors.js';
import type { BuilderName, ImageBuilder } from './build-spec.js';
import { BuildahBuilder } from './buildah.js';
import { BuildxBuilder } from './buildx.js';
import { failingLine } from './command.js';

/** Asks the Docker daemon for its version; resolves to the failure's line when none answers. */
export function dockerDaemon(timeoutMs = 15_000): Promise<{ answers: true } | { answers: false; why: string }> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: timeoutMs, env: process.env }, (error, stdout, stderr) => {
      if (!error && stdout.trim()) resolve({ answers: true });
      else resolve({ answers: false, why: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? '`docker` is not on PATH' : (failingLine(`${stdout}\n${stderr}`) ?? 'no answer') });
    });
  });
}

/** `auto` takes buildx when a Docker daemon answers, else buildah; `buildx` without a daemon fails here. */
export async function chooseBuilder(wanted: BuilderName | 'auto'): Promise<ImageBuilder> {
  if (wanted === 'buildah') return new BuildahBuilder();
  const daemon = await dockerDaemon();
  if (daemon.answers) return new BuildxBuilder();
  if (wanted === 'buildx') {
    throw new ConfigurationError(`\`builder: buildx\` needs a Docker daemon, and none answered (${daemon.why}). Use \`builder: buildah\` or \`auto\` on runners without Docker.`);
  }
  return new BuildahBuilder();
}
