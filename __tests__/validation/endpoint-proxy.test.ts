import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { LoopbackServer } from '../support/loopback-server.js';
import { folderWith } from './fixtures.js';
import { sandboxProxy } from '../../sandbox/env.mjs';
import { createEndpointClient } from '../../shared/validation/endpoint/clients.js';
import { resolveEndpoint } from '../../shared/validation/endpoint/spec.js';
import { EndpointError } from '../../shared/validation/endpoint/types.js';
import { ModelServer } from '../support/model-server.js';

/**
 * Through the sandbox's real forward proxy (squid). The model server listens on 127.0.0.1, but the tests
 * address it as `model.sandbox.test`, a name only the proxy resolves (its own hosts file): a request that
 * does not go through the proxy cannot reach it, and squid adds its `Via` header to those that do.
 */
const { url: proxyUrl, onlyThroughProxy, refused } = sandboxProxy();
const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };

let server: ModelServer;
let port: string;
beforeAll(async () => {
  server = await new ModelServer({ answers: { 'capital of France?': 'Paris is the capital of France.' } }).start();
  port = new URL(server.url).port;
});
afterAll(() => server.stop());
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function client(host: string, extra: Record<string, unknown> = {}) {
  const spec = resolveEndpoint({ url: `http://${host}:${port}/deterministic/v1`, model: 'm', ...extra }, { timeoutMs: 5000, retries: 1 }, 'suite.yaml');
  return createEndpointClient(spec, 2);
}

async function ask(host: string, extra: Record<string, unknown> = {}) {
  const c = client(host, extra);
  try {
    return await c.complete({ input: 'capital of France?', vars: {} });
  } finally {
    await c.close();
  }
}

describe('a model endpoint behind the company proxy', () => {
  it('cannot be reached directly: its name resolves only for the proxy', async () => {
    delete process.env.HTTP_PROXY;
    await expect(ask(onlyThroughProxy)).rejects.toThrow(/could not be reached: .*ENOTFOUND/);
  });

  it('is reached through HTTP_PROXY, whole and streamed, and the proxy says it forwarded the request', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    server.lastVia = undefined;
    expect((await ask(onlyThroughProxy)).output).toBe('Paris is the capital of France.');
    expect(server.lastVia).toMatch(/squid/);
    const streamed = await ask(onlyThroughProxy, { stream: true });
    expect(streamed).toMatchObject({ output: 'Paris is the capital of France.', usage: { output: 6 } });
    expect(streamed.ttftMs).toBeGreaterThan(0);
  });

  it('goes direct for a host in NO_PROXY, so the proxy-only name fails again', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    process.env.NO_PROXY = `localhost,${onlyThroughProxy}`;
    await expect(ask(onlyThroughProxy)).rejects.toThrow(/ENOTFOUND/);
  });

  it('reports a proxy that refuses the destination as an endpoint error naming its answer', async () => {
    process.env.HTTP_PROXY = proxyUrl;
    const error = await ask(refused).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointError);
    expect((error as Error).message).toMatch(new RegExp(`http://${refused}:${port}/deterministic/v1/chat/completions answered HTTP 403: "ERROR: The requested URL could not be retrieved"`));
  });

  it('reports a proxy that is not there as unreachable, after the retries', async () => {
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    await expect(ask(onlyThroughProxy)).rejects.toThrow(/could not be reached.*ECONNREFUSED/);
  });
});

describe('an https model endpoint behind the proxy, with a private CA', () => {
  it('is reached through an HTTPS_PROXY tunnel when its CA is in the trusted store (where NODE_EXTRA_CA_CERTS goes)', async () => {
    const dir = folderWith({}).dir;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', `/CN=${onlyThroughProxy}`, '-addext', `subjectAltName=DNS:${onlyThroughProxy}`], { stdio: 'ignore' });
    const [key, cert] = [readFileSync(`${dir}/key.pem`, 'utf8'), readFileSync(`${dir}/cert.pem`, 'utf8')];
    const tlsServer = new LoopbackServer(
      createHttpsServer({ key, cert }, (req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: 'Paris, over TLS.' } }] }));
      }) as unknown as import('node:http').Server,
    );
    const tlsPort = new URL(await tlsServer.listen()).port;
    const defaults = getCACertificates('default');
    process.env.HTTPS_PROXY = proxyUrl;
    try {
      const spec = resolveEndpoint({ url: `https://${onlyThroughProxy}:${tlsPort}/v1`, model: 'm' }, { timeoutMs: 5000, retries: 0 }, 'suite.yaml');
      const untrusted = createEndpointClient(spec, 1);
      await expect(untrusted.complete({ input: 'q', vars: {} })).rejects.toThrow(/could not be reached.*self[- ]signed certificate/);
      await untrusted.close();
      setDefaultCACertificates([...defaults, cert]);
      const trusted = createEndpointClient(spec, 1);
      expect((await trusted.complete({ input: 'q', vars: {} })).output).toBe('Paris, over TLS.');
      await trusted.close();
    } finally {
      setDefaultCACertificates(defaults);
      await tlsServer.close();
    }
  });
});
