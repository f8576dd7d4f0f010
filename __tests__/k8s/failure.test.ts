import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { parse, stringify } from 'yaml';
import { classifyFailure, retryAfterMs } from '../../shared/k8s/failure.js';
import { KubernetesError } from '../../shared/k8s/errors.js';
import { retryTransient, type RetryPolicy } from '../../shared/k8s/retry.js';
import { connectCluster } from '../../shared/k8s/client.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { runInProcess } from '../support/run-step.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { run as promote } from '../../actions/promote/main.js';
import { sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';

const fast: RetryPolicy = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, attemptTimeoutMs: 5_000 };
const apiError = (code: number, headers: Record<string, string> = {}) => Object.assign(new Error(`HTTP-Code: ${code}\nMessage: x\nBody: {}`), { code, body: { message: `status ${code}` }, headers });

/** A kubeconfig like the sandbox's, pointed at `server` (and, optionally, another CA). */
function kubeconfigFor(server: string, caData?: string): string {
  const kc = parse(sandboxKubeconfig());
  for (const c of kc.clusters) c.cluster = { ...c.cluster, server, ...(caData ? { 'certificate-authority-data': caData } : {}) };
  return stringify(kc);
}

/** A TCP server that accepts each connection and closes it at once, counting them: a flapping API server. */
async function closingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, close: () => new Promise((r) => server.close(() => r())) };
}

describe('classifying Kubernetes failures by what they are', () => {
  it('sorts HTTP answers: 429, 500, 502, 503, 504 transient; 409 a conflict; 400, 401, 403, 404, 422 permanent', () => {
    for (const code of [429, 500, 502, 503, 504]) expect(classifyFailure(apiError(code)).kind).toBe('transient');
    expect(classifyFailure(apiError(409)).kind).toBe('conflict');
    for (const code of [400, 401, 403, 404, 422, 501]) expect(classifyFailure(apiError(code)).kind).toBe('permanent');
  });

  it('reads network and TLS error codes along the cause chain, whatever the message was rewritten to', () => {
    const wrapped = (code: string) => Object.assign(new TypeError('Failed to fetch resource metadata for apps/v1/Deployment: fetch failed'), { cause: Object.assign(new Error('x'), { code }) });
    expect(classifyFailure(wrapped('ECONNRESET'))).toMatchObject({ kind: 'transient', what: 'connection reset', network: true });
    expect(classifyFailure(wrapped('ECONNREFUSED'))).toMatchObject({ kind: 'transient', what: 'connection refused' });
    expect(classifyFailure(wrapped('EAI_AGAIN')).kind).toBe('transient');
    expect(classifyFailure(wrapped('ENOTFOUND')).what).toMatch(/DNS/);
    expect(classifyFailure(wrapped('UND_ERR_CONNECT_TIMEOUT')).kind).toBe('transient');
    expect(classifyFailure(wrapped('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toMatchObject({ kind: 'permanent', what: 'TLS verification failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
    expect(classifyFailure(wrapped('ERR_TLS_CERT_ALTNAME_INVALID')).kind).toBe('permanent');
    expect(classifyFailure(new Error('Invalid `image`')).kind).toBe('permanent');
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(retryAfterMs(apiError(429, { 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(apiError(429, { 'Retry-After': new Date(10_000).toUTCString() }), 7_000)).toBe(3000);
    expect(retryAfterMs(apiError(429))).toBeUndefined();
  });

  it('retries a 429 only after its Retry-After, and never a 403', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(retryTransient('GET x', async () => (++calls === 1 ? Promise.reject(apiError(429, { 'retry-after': '1' })) : 'ok'), fast)).resolves.toBe('ok');
    expect(calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    let forbidden = 0;
    await expect(retryTransient('GET x', async () => { forbidden++; throw apiError(403); }, fast)).rejects.toMatchObject({ code: 403 });
    expect(forbidden).toBe(1);
  });
});

describe('Kubernetes calls against servers that fail', () => {
  const { cluster, ns } = useSandboxNamespaces();
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await FaultProxy.start(sandboxKubeconfig());
  });
  afterAll(async () => {
    await proxy.stop();
  });

  it('retries a connection closed before any answer (client-node rewrites it to "Failed to fetch resource metadata"), then names the server, `kubeconfig` and the cause in one line', async () => {
    const server = await closingServer();
    try {
      const c = await connectCluster(kubeconfigFor(server.url), fast);
      const error = (await c.get(deploymentRef('default', 'shop')).catch((e: unknown) => e)) as KubernetesError;
      expect(error).toBeInstanceOf(KubernetesError);
      expect(server.connections()).toBe(3);
      expect(error.message).toBe(`Cannot reach the Kubernetes API server ${server.url} (the cluster in \`kubeconfig\`): connection reset, after 3 tries (GET Deployment default/shop).`);
      expect((error.cause as Error).message).toMatch(/^Failed to fetch resource metadata for apps\/v1\/Deployment: fetch failed/);
    } finally {
      await server.close();
    }
  });

  it('names a refused connection as such', async () => {
    const server = await closingServer();
    await server.close(); // nothing listens on that port now
    const c = await connectCluster(kubeconfigFor(server.url), fast);
    await expect(c.get(deploymentRef('default', 'shop'))).rejects.toThrow(/^Cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ \(the cluster in `kubeconfig`\): connection refused, after 3 tries/);
  });

  it('names a DNS failure and a server that never answers', async () => {
    const dns = await connectCluster(kubeconfigFor('https://no-such-host.invalid:6443'), fast);
    await expect(dns.get(deploymentRef('default', 'shop'))).rejects.toThrow(
      /^Cannot reach the Kubernetes API server https:\/\/no-such-host\.invalid:6443 \(the cluster in `kubeconfig`\): DNS lookup failed \((name not found|temporary)\), after 3 tries \(GET Deployment default\/shop\)\.$/,
    );
    // Accepts connections, never answers: each try is abandoned after the attempt timeout.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const c = await connectCluster(kubeconfigFor(url), { ...fast, attemptTimeoutMs: 300 });
      await expect(c.get(deploymentRef('default', 'shop'))).rejects.toThrow(`Cannot reach the Kubernetes API server ${url} (the cluster in \`kubeconfig\`): timed out (no answer), after 3 tries (GET Deployment default/shop).`);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('does not retry a failed TLS verification and says what to check in `kubeconfig`', async () => {
    const sandboxCa = parse(sandboxKubeconfig()).clusters[0].cluster['certificate-authority-data'];
    const before = proxy.seen.length;
    const c = await connectCluster(kubeconfigFor(proxy.url, sandboxCa), fast);
    await expect(c.get(deploymentRef('default', 'shop'))).rejects.toThrow(/^Cannot talk to the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ \(the cluster in `kubeconfig`\): TLS verification failed \([A-Z_]+\); check the cluster's certificate-authority data/);
    expect(proxy.seen.length).toBe(before);
  });

  it('goes through 500, 503, 429 and resets before and after the write on the real API server', async () => {
    const namespace = await ns('flt');
    const c = await connectCluster(proxy.kubeconfigYaml());
    proxy.schedule({ seed: 7, rate: 0.35, maxDelayMs: 300 });
    try {
      for (let i = 0; i < 6; i++) {
        await c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace }, data: { i: String(i) } }).catch((e: unknown) => {
          // A create applied before its answer was lost comes back as 409 AlreadyExists on the retry: the object is there.
          if ((e as KubernetesError).code !== 409) throw e;
        });
        await c.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: `cm-${i}` }, { data: { patched: 'yes' } });
      }
    } finally {
      proxy.schedule(undefined);
    }
    const maps = await cluster().list('v1', 'ConfigMap', namespace);
    expect(maps.filter((m) => m.metadata?.name?.startsWith('cm-')).map((m) => m.data.patched)).toEqual(Array(6).fill('yes'));
    expect(proxy.faults).toBeGreaterThan(3);
  }, 60_000);

  it('meets a 409 on a check-and-set by reading the object again and deciding again before the next write', async () => {
    const namespace = await ns('flt-409');
    await cluster().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace }, data: { n: '1' } });
    const c = await connectCluster(proxy.kubeconfigYaml());
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'cm' };
    const path = `/api/v1/namespaces/${namespace}/configmaps/cm`;
    // Our write is held while someone else writes: the API server answers it 409 (a real conflict).
    const hold = proxy.hold((r) => r.method === 'PATCH' && r.path.startsWith(path));
    void hold.held.then(async () => {
      await cluster().mergePatch(ref, { data: { n: '2' } });
      hold.release();
    });
    const decided: string[] = [];
    await c.checkAndSet(ref, (cm) => {
      decided.push(cm.data.n);
      return { data: { n: String(Number(cm.data.n) * 10) } };
    });
    expect(decided).toEqual(['1', '2']);
    expect((await cluster().get(ref)).data.n).toBe('20');
  });

  it('waits out a 429 Retry-After from the proxy before trying again', async () => {
    const c = await connectCluster(proxy.kubeconfigYaml());
    proxy.injectOnce((r) => r.method === 'GET' && r.path === '/api/v1/namespaces/default', '429');
    const started = Date.now();
    await c.get({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: 'default' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(proxy.seen.filter((r) => r.path === '/api/v1/namespaces/default').map((r) => r.fault ?? 'ok').slice(-2)).toEqual(['429', 'ok']);
  });

  it('reports a missing Deployment in one line, not the HTTP dump', async () => {
    const namespace = await ns('flt-missing');
    const r = await runInProcess(promote, { kubeconfig: sandboxKubeconfig(), deployment: 'nope', namespace });
    expect(r.errors).toEqual([`Invalid \`deployment\`: Deployment 'nope' not found in namespace '${namespace}'.`]);
    const error = (await cluster().get(deploymentRef(namespace, 'nope')).catch((e: unknown) => e)) as KubernetesError;
    expect(error.message).toBe(`Deployment ${namespace}/nope not found (GET Deployment ${namespace}/nope: deployments.apps "nope" not found).`);
    expect(error.code).toBe(404);
  });
});
