// Traffic on the wire: real HTTP requests through the sandbox gateway (Traefik, Gateway API) to pods
// that serve (sandbox/netns/pods.mjs), judged by who answered (`x-model-version`, `x-pod-name`), not by
// reading the routing objects back. A header-`match` case waits for header routing (issue #16).
import { describe, expect, it, jest } from '@jest/globals';
import { runInProcess } from '../support/run-step.js';
import { sendLoad, type WireResponse } from '../support/gateway-load.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { sandboxEnv, sandboxGateway } from '../../sandbox/env.mjs';
import { sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from '../../shared/k8s/cluster.js';

jest.setTimeout(240_000);
const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const gateway = sandboxGateway();

/*
 * Share of canary answers in N requests, each reaching the canary with probability p = 0.20 if the
 * gateway splits as configured. Hoeffding: P(|share - p| >= t) <= 2 exp(-2 N t^2). With N = 2000 and
 * t = 0.05 that is 2 e^-10 = 9.1e-5: the test fails by luck at most once in 11,000 runs, for any
 * seed and whether the gateway draws at random or (as Traefik's smooth weighted round robin does)
 * deterministically.
 */
const N = 2000;
const TOLERANCE = 0.05;
const hoeffding = (n: number, t: number) => 2 * Math.exp(-2 * n * t * t);

/** A stable Deployment `model` whose pods serve (annotation), its Service, an HTTPRoute on the sandbox gateway. */
async function servingStable(c: Cluster, namespace: string, replicas: number, env: { name: string; value: string }[] = []): Promise<string> {
  const hostname = `${namespace}.wire.test`;
  const labels = { app: 'model' };
  await c.create({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'model', namespace, labels },
    spec: {
      replicas, selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'ai-deploy.test/serve': 'model-server' } },
        spec: { containers: [{ name: 'model', image: 'registry.example/model:1.0.0', env: [{ name: 'MODEL_VERSION', value: '1.0.0' }, ...env], ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  });
  await c.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model', namespace }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await c.create({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'model', namespace },
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name, namespace: gateway.namespace }],
      hostnames: [hostname],
      // The path match spelled out, as the server would default it.
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'model', port: 80 }] }],
    },
  });
  await waitForRollout(c, namespace, 'model', 60_000);
  // The gateway has the route and the pods' endpoints once every stable pod has answered. Until it does, its
  // 404s and 503s come back in a millisecond: the gap keeps 2,000 tries spread over the 30 s this wait allows
  // (without it they were spent in 2-4 s, and a gateway slow to sync on a loaded machine failed the spec once).
  const seen = new Set<string>();
  const warm = await sendLoad(gateway.url, hostname, { count: 2000, maxMs: 30_000, gapMs: 10, concurrency: 1, until: (r) => (r.status === 200 && seen.add(r.pod), seen.size === replicas) });
  if (seen.size !== replicas) throw new Error(`gateway did not reach all ${replicas} stable pods of ${hostname} in ${warm.length} requests (statuses: ${[...new Set(warm.map((r) => r.status))]})`);
  return hostname;
}

/** Sends requests until one is answered by `version` (the gateway has taken the new route up); bounded. */
async function untilServedBy(hostname: string, version: string): Promise<void> {
  const rs = await sendLoad(gateway.url, hostname, { count: 5000, maxMs: 30_000, gapMs: 5, concurrency: 1, until: (r) => r.version === version });
  if (rs.at(-1)?.version !== version) throw new Error(`no answer from ${version} through the gateway in ${rs.length} requests`);
}

/** Sum of an instant PromQL query on the sandbox Prometheus (which scrapes Traefik every 1 s), or 0 for no series. */
async function promSum(query: string): Promise<number> {
  const res = await fetch(`${sandboxEnv().prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  return body.data.result.reduce((a, r) => a + Number(r.value[1]), 0);
}

const share = (rs: WireResponse[], version: string) => rs.filter((r) => r.version === version).length / rs.length;

describe('traffic on the wire through the sandbox gateway (Traefik)', () => {
  it(`the N=${N} bound fails by luck at most 1e-4`, () => {
    expect(hoeffding(N, TOLERANCE)).toBeLessThanOrEqual(1e-4);
  });

  it('gateway-api at 20%: the canary pods answer 20% of requests (Hoeffding bound), only canary pods answer as the canary; rollback stops canary traffic within 1 s', async () => {
    const namespace = await ns('wire-gw');
    const hostname = await servingStable(cluster(), namespace, 2);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2.0.0', 'model-version': '2.0.0', 'traffic-router': 'gateway-api', route: 'model', weight: '20' });
    expect(r.errors).toEqual([]);
    await untilServedBy(hostname, '2.0.0');

    const rs = await sendLoad(gateway.url, hostname, { count: N, maxMs: 120_000 });
    expect(rs).toHaveLength(N);
    expect(rs.filter((x) => x.status !== 200)).toEqual([]);
    expect(Math.abs(share(rs, '2.0.0') - 0.2)).toBeLessThanOrEqual(TOLERANCE);
    for (const x of rs) expect(x.pod.startsWith(`${namespace}/${x.version === '2.0.0' ? 'model-canary-' : 'model-'}`) && (x.version === '2.0.0') === x.pod.includes('/model-canary-')).toBe(true);

    // Traefik counted them per Service, and the sandbox Prometheus scraped the counts (code, duration histogram).
    const canaryAnswers = rs.filter((x) => x.version === '2.0.0').length;
    // Traefik names a route's backend `httproute-...-svc-<namespace>-<service>-<index>@kubernetesgateway`.
    const sel = (svc: string) => `service=~".*-svc-${namespace}-${svc}-[0-9]+@kubernetesgateway"`;
    const deadline = Date.now() + 15_000;
    while ((await promSum(`traefik_service_requests_total{${sel('model-canary')},code="200"}`)) < canaryAnswers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(await promSum(`traefik_service_requests_total{${sel('model-canary')},code="200"}`)).toBeGreaterThanOrEqual(canaryAnswers);
    expect(await promSum(`traefik_service_requests_total{${sel('model')},code="200"}`)).toBeGreaterThanOrEqual(N - canaryAnswers);
    expect(await promSum(`traefik_service_request_duration_seconds_count{${sel('model-canary')}}`)).toBeGreaterThanOrEqual(canaryAnswers);

    // Rollback under load: requests keep going while auto-rollback runs and for 1.5 s after it returns.
    let rolledBackAt = Infinity;
    const load = sendLoad(gateway.url, hostname, { count: 100_000, maxMs: 60_000, until: (x) => x.sentAt > rolledBackAt + 1500 });
    const rb = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'wire test' });
    rolledBackAt = performance.now();
    expect(rb.errors).toEqual([]);
    const during = await load;
    const after = during.filter((x) => x.sentAt >= rolledBackAt + 1000);
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((x) => x.status !== 200 || x.version !== '1.0.0')).toEqual([]);
  });

  it('gateway-api with a `match` header: every request carrying it reaches the canary, one with another value splits by weight; after rollback it reaches stable', async () => {
    const namespace = await ns('wire-match');
    const hostname = await servingStable(cluster(), namespace, 2);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2.0.0', 'model-version': '2.0.0', 'traffic-router': 'gateway-api', route: 'model', weight: '10', match: '- header: x-canary\n  value: always' });
    expect(r.errors).toEqual([]);
    const tagged = { 'x-canary': 'always' };
    await sendLoad(gateway.url, hostname, { count: 5000, maxMs: 30_000, concurrency: 1, headers: tagged, until: (x) => x.version === '2.0.0' }); // the gateway has the rule

    const flagged = await sendLoad(gateway.url, hostname, { count: 300, maxMs: 60_000, headers: tagged });
    expect(flagged).toHaveLength(300);
    expect(flagged.filter((x) => x.status !== 200 || x.version !== '2.0.0' || !x.pod.includes('/model-canary-'))).toEqual([]);
    // Another value of the header is no match: a 10% share, within 0.12 (Hoeffding at 400 requests: luck <= 2e^-11.5, 2e-5).
    const other = await sendLoad(gateway.url, hostname, { count: 400, maxMs: 60_000, headers: { 'x-canary': 'never' } });
    expect(hoeffding(400, 0.12)).toBeLessThanOrEqual(1e-4);
    expect(other.filter((x) => x.status !== 200)).toEqual([]);
    expect(Math.abs(share(other, '2.0.0') - 0.1)).toBeLessThanOrEqual(0.12);

    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'wire test' })).errors).toEqual([]);
    await sleep(1_000);
    const after = await sendLoad(gateway.url, hostname, { count: 200, maxMs: 60_000, headers: tagged });
    expect(after.filter((x) => x.status !== 200 || x.version !== '1.0.0')).toEqual([]);
  });

  it('after promote every request is answered by the new stable version', async () => {
    const namespace = await ns('wire-pr');
    const hostname = await servingStable(cluster(), namespace, 2);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2.0.0', 'model-version': '2.0.0', 'traffic-router': 'gateway-api', route: 'model', weight: '20' })).errors).toEqual([]);
    await untilServedBy(hostname, '2.0.0');
    const p = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    expect(p.errors).toEqual([]);

    const rs = await sendLoad(gateway.url, hostname, { count: 500, maxMs: 60_000 });
    expect(rs).toHaveLength(500);
    expect(rs.filter((x) => x.status !== 200 || x.version !== '2.0.0')).toEqual([]);
    // The gateway takes a moment to drop the deleted canary's pods, which drain meanwhile (as real pods do on
    // SIGTERM) and answer as 2.0.0 too; a second later only the stable Deployment's own pods answer.
    await sleep(1_000);
    const settled = await sendLoad(gateway.url, hostname, { count: 200, maxMs: 60_000 });
    expect(settled.filter((x) => x.status !== 200 || x.version !== '2.0.0' || !/\/model-(?!canary)/.test(x.pod))).toEqual([]);
  });

  it('replicas router through Service-to-pod resolution: 1 canary pod of 4 behind the stable Service answers 25% of requests; rollback stops it within 1 s', async () => {
    const namespace = await ns('wire-rep');
    const hostname = await servingStable(cluster(), namespace, 3);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'r.example/model:2.0.0', 'model-version': '2.0.0', weight: '25' });
    expect(r.errors).toEqual([]);
    await untilServedBy(hostname, '2.0.0');

    const rs = await sendLoad(gateway.url, hostname, { count: N, maxMs: 120_000 });
    expect(rs.filter((x) => x.status !== 200)).toEqual([]);
    expect(Math.abs(share(rs, '2.0.0') - 0.25)).toBeLessThanOrEqual(TOLERANCE);

    let rolledBackAt = Infinity;
    const load = sendLoad(gateway.url, hostname, { count: 100_000, maxMs: 60_000, until: (x) => x.sentAt > rolledBackAt + 1500 });
    expect((await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary', reason: 'wire test' })).errors).toEqual([]);
    rolledBackAt = performance.now();
    const after = (await load).filter((x) => x.sentAt >= rolledBackAt + 1000);
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((x) => x.version === '2.0.0')).toEqual([]);
  });

  /** canary-deploy of `version` at 20%, then monitor-canary on Traefik's series under light real load (bounded). */
  async function monitorOnTheWire(prefix: string, version: string, steps: string) {
    const namespace = await ns(prefix);
    // Behaviour per version, as baked into a model image: 2.0.0-bad answers 30% of requests with HTTP 500.
    const hostname = await servingStable(cluster(), namespace, 2, [{ name: 'MODEL_PROFILES', value: JSON.stringify({ '2.0.0-bad': { errorRate: 0.3 } }) }]);
    expect((await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: `r.example/model:${version}`, 'model-version': version, 'traffic-router': 'gateway-api', route: 'model', weight: '20' })).errors).toEqual([]);
    await untilServedBy(hostname, version);

    let done = false;
    const load = sendLoad(gateway.url, hostname, { count: 40_000, maxMs: 90_000, concurrency: 2, gapMs: 5, until: () => done });
    const svc = 'service=~".*-svc-{{target}}-[0-9]+@kubernetesgateway"';
    const metrics = `- name: error-rate
  kind: ratio
  query: sum(increase(traefik_service_requests_total{${svc},code=~"5.."}[{{interval}}]))
  total: sum(increase(traefik_service_requests_total{${svc}}[{{interval}}]))
  max: 0.05
`;
    const r = await runInProcess(monitorCanary, {
      ...kube(), deployment: 'model', namespace, 'prometheus-url': sandboxEnv().prometheusUrl, metrics, steps, interval: '3s', 'step-duration': '30s',
      'target-names': `canary=${namespace}-model-canary\nstable=${namespace}-model`,
    });
    done = true;
    return { r, sent: await load };
  }

  it('monitor-canary judges the series Traefik exported: a canary whose pods fail 30% of requests fails at its first step', async () => {
    const { r, sent } = await monitorOnTheWire('wire-mon', '2.0.0-bad', '20,50');
    expect(r.outputs).toMatchObject({ verdict: 'fail' });
    expect(r.outputs.reason).toMatch(/^at 20%: error-rate: canary \d+(\.\d+)?%/);
    // The errors were produced by the canary's pods on the wire, and only by them.
    const errors = sent.filter((x) => x.status === 500);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((x) => x.version === '2.0.0-bad')).toBe(true);
  });

  it('monitor-canary passes a canary whose pods answer as well as stable, judged on the same series', async () => {
    const { r, sent } = await monitorOnTheWire('wire-ok', '2.0.0', '20');
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ verdict: 'pass' });
    expect(sent.filter((x) => x.version === '2.0.0').length).toBeGreaterThan(0);
    expect(sent.filter((x) => x.status !== 200)).toEqual([]);
  });

  it('readiness stays kwok\'s: a Running pod that never turns Ready serves, yet the gateway sends it nothing', async () => {
    const namespace = await ns('wire-rdy');
    const hostname = await servingStable(cluster(), namespace, 1);
    // A second Deployment behind the same Service whose pods kwok keeps Running but never Ready.
    await cluster().create({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'unready', namespace },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'model', part: 'unready' } },
        template: {
          metadata: { labels: { app: 'model', part: 'unready', 'ai-deploy.test/never-ready': 'true' }, annotations: { 'ai-deploy.test/serve': 'model-server' } },
          spec: { containers: [{ name: 'model', image: 'registry.example/model:9', env: [{ name: 'MODEL_VERSION', value: 'unready' }], ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
    });
    const deadline = Date.now() + 30_000;
    const running = async () => (await cluster().list('v1', 'Pod', namespace, 'part=unready')).filter((p) => p.status?.phase === 'Running' && p.status?.podIP).length;
    while ((await running()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await running()).toBe(2);
    await new Promise((r) => setTimeout(r, 1000)); // time for the endpoint controllers and Traefik to see them (as not ready)

    const rs = await sendLoad(gateway.url, hostname, { count: 300, maxMs: 30_000 });
    expect(rs).toHaveLength(300);
    expect(rs.filter((x) => x.status !== 200 || x.version !== '1.0.0')).toEqual([]);
  });
});
