import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queryInstant } from '../../shared/metrics/prometheus/api.js';
import { checkPrometheusUrl } from '../../shared/metrics/prometheus/check.js';
import { getProviderSettings } from '../../shared/metrics/settings.js';
import { runInProcess } from '../support/run-step.js';

/** A free loopback port (Prometheus takes an address, not port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const USER = 'grafana';
const PASSWORD = 'p@ss:w0rd/with%specials';
let prometheus: ChildProcess;
let dir: string;
let base: string;

/** A real Prometheus that checks basic auth (`--web.config.file` with a bcrypt hash), as hosted ones do. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prom-auth-'));
  const hash = execFileSync('htpasswd', ['-nbBC', '10', USER, PASSWORD]).toString().trim().split(':').slice(1).join(':');
  writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  ${USER}: '${hash}'\n`);
  writeFileSync(join(dir, 'prometheus.yml'), 'scrape_configs: []\n');
  const port = await freePort();
  base = `127.0.0.1:${port}`;
  prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${base}`, `--web.config.file=${join(dir, 'web.yml')}`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`http://${base}/-/ready`).then((r) => r.status, () => 0);
    if (ready === 401 || ready === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('Prometheus with basic auth did not start');
});
afterAll(() => {
  prometheus?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const withCredentials = (user: string, password: string) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${base}`;

describe('a prometheus-url with credentials', () => {
  it('queries a Prometheus that checks basic auth, the credentials sent as an Authorization header', async () => {
    const samples = await queryInstant(withCredentials(USER, PASSWORD), 'vector(42)', Math.floor(Date.now() / 1000));
    expect(samples).toEqual([{ labels: {}, value: 42 }]);
  });

  it('is refused by that Prometheus without them or with a wrong password, and the error shows no password', async () => {
    await expect(fetch(`http://${base}/api/v1/query?query=vector(1)`).then((r) => r.status)).resolves.toBe(401);
    const error = await queryInstant(withCredentials(USER, 'wrong-password'), 'vector(1)', Math.floor(Date.now() / 1000)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(new RegExp(`^Prometheus at http://${base} answered HTTP 401`));
    expect((error as Error).message).not.toContain('wrong-password');
  });

  it('passes the edge check that monitor-canary runs before any traffic moves', async () => {
    await expect(checkPrometheusUrl(withCredentials(USER, PASSWORD), { retry: { attempts: 1, firstDelayMs: 0 } })).resolves.toBeUndefined();
  });

  it('is masked before it is checked: an invalid one is refused with its password already masked', async () => {
    const result = await runInProcess(async () => void getProviderSettings('prometheus', 60_000, ''), { 'prometheus-url': 'http://ci:hunter2-secret@prometheus:9090/?x=1' });
    const lines = result.stdout.split('\n');
    const mask = lines.indexOf('::add-mask::hunter2-secret');
    const error = lines.findIndex((l) => l.startsWith('::error::'));
    expect(mask).toBeGreaterThanOrEqual(0);
    expect(error).toBeGreaterThan(mask);
    expect(result.errors[0]).toMatch(/^Invalid `prometheus-url`: .*Expected an http:\/\/ or https:\/\/ URL with no query string/);
  });
});
