// moto_server: S3 and CloudWatch (and the rest of moto) on one loopback port; any credentials work.
import { host, ports } from '../lib/paths.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { ensureMoto } from '../lib/install.mjs';
import { runningPid } from '../lib/process.mjs';
import { healthy } from '../lib/wait.mjs';

export const name = 'moto';
export const daemons = ['moto'];
const url = `http://${host}:${ports.moto}`;

export function env() {
  return { AWS_ENDPOINT_URL: url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'sandbox', AWS_SECRET_ACCESS_KEY: 'sandbox' };
}

export async function check() {
  return Boolean(runningPid('moto')) && healthy(`${url}/moto-api/`);
}

export async function up(log) {
  const cmd = ensureMoto(log);
  await ensureDaemon({
    name: 'moto', cmd, ports: [ports.moto], args: ['-H', host, '-p', String(ports.moto)],
    check: () => healthy(`${url}/moto-api/`),
  });
  return env();
}
