// Polling helpers for readiness checks on loopback.
import http from 'node:http';
import https from 'node:https';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** GET url; resolves {status, body} or null on connection error. `opts` = request options (ca, cert, key, headers...). */
export function get(url, opts = {}, timeoutMs = 2000) {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    const req = mod.get(url, { ...opts, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** True when url answers with a 2xx status. */
export async function healthy(url, opts) {
  const r = await get(url, opts);
  return Boolean(r && r.status >= 200 && r.status < 300);
}

/** Poll check() until truthy or timeout; `isDead()` aborts early (e.g. the process exited). */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 100, isDead } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (isDead?.()) throw new Error(`${what}: process exited (see its log)`);
    if (Date.now() > until) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}
