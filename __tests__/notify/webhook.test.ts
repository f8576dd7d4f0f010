import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type ServerResponse } from 'node:http';
import { postWebhook } from '../../shared/notify/webhook.js';
import { LoopbackServer } from '../support/loopback-server.js';

/** A Slack-compatible webhook receiver (a fake: Slack cannot run here) that keeps what it is sent. */
async function receiver(answer: (n: number, res: ServerResponse) => void) {
  const received: unknown[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push(JSON.parse(body));
    answer(received.length, res);
  });
  const loopback = new LoopbackServer(server);
  const url = `${await loopback.listen()}/services/T000/B000/secret-token`;
  servers.push(loopback);
  return { url, received };
}
const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('postWebhook', () => {
  it('retries a 503 (waiting its Retry-After) and a 500, and posts the message once it is taken', async () => {
    const hook = await receiver((n, res) => {
      res.writeHead(n === 1 ? 503 : n === 2 ? 500 : 200, n === 1 ? { 'retry-after': '0' } : {});
      res.end(n === 3 ? 'ok' : 'busy');
    });
    expect(await postWebhook(hook.url, { text: 'rolled back' })).toEqual({ ok: true, status: 200 });
    expect(hook.received).toEqual([{ text: 'rolled back' }, { text: 'rolled back' }, { text: 'rolled back' }]);
  });

  it('does not retry a 404 and reports it without the secret URL', async () => {
    const hook = await receiver((_n, res) => {
      res.writeHead(404);
      res.end('no_service');
    });
    const result = await postWebhook(hook.url, { text: 'x' });
    expect(result).toEqual({ ok: false, status: 404, error: 'the webhook answered HTTP 404' });
    expect(hook.received).toHaveLength(1);
  });

  it('reports a receiver that keeps failing or is not there, never naming its URL', async () => {
    const failing = await receiver((_n, res) => {
      res.writeHead(502);
      res.end('bad gateway');
    });
    const failed = await postWebhook(failing.url, { text: 'x' });
    expect(failed).toMatchObject({ ok: false, status: 502, error: 'the webhook answered HTTP 502: "bad gateway"' });
    expect(failing.received).toHaveLength(3);
    const gone = await postWebhook('http://127.0.0.1:9/services/secret-token', { text: 'x' });
    expect(gone.ok).toBe(false);
    expect(gone.error).toMatch(/^the webhook could not be reached: connect ECONNREFUSED/);
    expect(gone.error).not.toContain('secret-token');
  });
});
