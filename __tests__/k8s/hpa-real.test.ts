import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { loadCanary, setCanaryWeight } from '../../shared/canary/load.js';
import { RESTORE } from '../../shared/canary/autoscaler.js';
import { LABEL_TRACK } from '../../shared/k8s/annotations.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { waitForRollout } from '../../shared/k8s/rollout.js';
import { createModelRoute, sandboxKubeconfig, useSandboxNamespaces } from './support/sandbox-cluster.js';
import { createHpa, hpaRef, watchCapacity } from './support/autoscaling.js';

// The sandbox runs the real horizontal-pod-autoscaler controller (kube-controller-manager, synced every 2 s),
// fed by metrics-server (metrics.k8s.io) scraping kwok's emulated pod usage: a pod's CPU usage is its annotation
// `kwok.x-k8s.io/usage-cpu` (sandbox/kwok/metrics.yaml). Nothing here writes stable's replica count: only the HPA
// controller does, from the usage these tests set. metrics-server samples every 10 s, so each HPA decision takes
// some 10-30 s to show.
const { cluster, ns } = useSandboxNamespaces();
const kube = () => ({ kubeconfig: sandboxKubeconfig() });
const USAGE = 'kwok.x-k8s.io/usage-cpu';
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A probe that may say what it saw last (for the timeout's message). */
type Probe<T> = (() => Promise<T | undefined | false>) & { seen?: string };

async function until<T>(what: string, probe: Probe<T>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${probe.seen ? ` (last seen: ${probe.seen})` : ''}`);
    await sleep(250);
  }
}

/**
 * Stable `model` (label app=model, Service `model`): 6 pods requesting 100m CPU, each using 50m (the template's
 * usage annotation, so pods the HPA adds use it too), and an HPA of 2..10 targeting 50% CPU: at rest it holds 6.
 * Emulated usage is per pod, so at 50% every replica count is one the HPA keeps (within its 10% tolerance): one
 * reading above 55% of freshly started pods on a loaded machine once moved it from 8 to 9 after a promote, where it
 * stayed at 51%. The HPA scales up only on what it read for SCALE_UP_WINDOW_S (3 metrics-server samples), as a
 * user damps flapping, so a single reading moves nothing.
 */
const SCALE_UP_WINDOW_S = 30;
/** Waits for a scale-up: what they waited before, plus the window. */
const SCALE_UP_WAIT_MS = 90_000 + SCALE_UP_WINDOW_S * 1000;

async function autoscaledStable(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  const labels = { app: 'model' };
  await cluster().create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'model', namespace, labels },
    spec: {
      replicas: 6,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { [USAGE]: '50m' } },
        spec: { containers: [{ name: 'model', image: 'registry.example/model:1.0.0', ports: [{ containerPort: 8080, name: 'http' }], resources: { requests: { cpu: '100m' } } }] },
      },
    },
  });
  await cluster().create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model', namespace }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await waitForRollout(cluster(), namespace, 'model', 60_000);
  await createHpa(cluster(), namespace, { min: 2, max: 10, cpu: 50, behavior: { scaleUp: { stabilizationWindowSeconds: SCALE_UP_WINDOW_S }, scaleDown: { stabilizationWindowSeconds: 5 } } });
  // The controller has metrics for every stable pod and decided to stay at 6.
  await until('the HPA to read about 50% CPU from all 6 pods', async () => {
    const h = await cluster().get(hpaRef(namespace));
    const cpu = h.status?.currentMetrics?.[0]?.resource?.current?.averageUtilization;
    // a rate over two samples: within a few percent of 50 (the HPA's tolerance is 10%)
    return h.status?.currentReplicas === 6 && h.status?.desiredReplicas === 6 && cpu >= 45 && cpu <= 55;
  }, 120_000);
  return namespace;
}

/** Sets the CPU usage kwok reports for stable's pods (not the canary's), as load on them would. */
async function stableUsage(namespace: string, cpu: string): Promise<void> {
  const pods = await cluster().list('v1', 'Pod', namespace, `app=model,!${LABEL_TRACK}`);
  await Promise.all(pods.map((p) => cluster().mergePatch({ apiVersion: 'v1', kind: 'Pod', namespace, name: p.metadata!.name! }, { metadata: { annotations: { [USAGE]: cpu } } })));
}

/** Every spec.replicas stable takes while `during` runs (polled every 100 ms): who writes it is the HPA controller. */
async function replicasSeen<T>(namespace: string, during: () => Promise<T>): Promise<{ result: T; seen: number[] }> {
  const seen: number[] = [];
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const n = (await get(namespace, 'model'))?.spec?.replicas;
      if (n !== undefined && seen.at(-1) !== n) seen.push(n);
      await sleep(100);
    }
  })();
  try {
    return { result: await during(), seen };
  } finally {
    watching = false;
    await watch;
  }
}

/**
 * No fight over stable's replica count: it only rose from `from` to `top`, then only fell, to `to` and never
 * below it (the HPA may scale down in more than one step as samples of its pods come in), and the last writer
 * of spec.replicas is the HPA controller (kube-controller-manager, through the scale subresource).
 */
async function expectOnlyHpaScaled(namespace: string, seen: number[], from: number, top: number, to: number) {
  const peak = seen.indexOf(top);
  expect([seen[0], peak > 0, seen.at(-1)]).toEqual([from, true, to]);
  const rising = seen.slice(0, peak + 1);
  const falling = seen.slice(peak);
  expect(rising).toEqual([...rising].sort((a, b) => a - b));
  expect(falling).toEqual([...falling].sort((a, b) => b - a));
  expect(Math.min(...falling)).toBe(to);
  const d = (await get(namespace, 'model'))!;
  const owners = (d.metadata?.managedFields ?? []).filter((m) => (m.fieldsV1 as { 'f:spec'?: { 'f:replicas'?: object } } | undefined)?.['f:spec']?.['f:replicas']);
  expect(owners.map((m) => [m.manager, m.subresource])).toEqual([['kube-controller-manager', 'scale']]);
}

async function scalerSnapshot(c: Cluster, namespace: string) {
  const o = await c.get(hpaRef(namespace));
  return { spec: o.spec, annotations: o.metadata?.annotations ?? {} };
}

const stableAt = (namespace: string, n: number): Probe<boolean> => {
  const probe: Probe<boolean> = async () => {
    const [d, h] = await Promise.all([get(namespace, 'model'), cluster().get(hpaRef(namespace))]);
    probe.seen = `stable spec ${d?.spec?.replicas}, ready ${d?.status?.readyReplicas}; HPA current ${h.status?.currentReplicas}, desired ${h.status?.desiredReplicas}, metrics ${JSON.stringify(h.status?.currentMetrics ?? [])}`;
    return d?.spec?.replicas === n && d.status?.readyReplicas === n && h.status?.desiredReplicas === n;
  };
  return probe;
};

describe('the real HPA controller scales stable mid-canary', () => {
  it('replicas router, HPA at 6 of 2..10, 25%: load scales stable to 10 and back to the held minimum of 6 (never below, only the HPA writing the count), the canary follows at each weight change, and after rollback the restored HPA scales on to 2', async () => {
    const namespace = await autoscaledStable('hpareal-rep');
    const before = await scalerSnapshot(cluster(), namespace);
    const { seen } = await replicasSeen(namespace, async () => {
      const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'registry.example/model:2', weight: '25' });
      expect(r.errors).toEqual([]);
      expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2); // 2 of 8 pods
      expect((await cluster().get(hpaRef(namespace))).spec.minReplicas).toBe(6);

      await stableUsage(namespace, '100m'); // 200% of the target on stable's pods
      await until('the HPA to scale stable to 10', stableAt(namespace, 10), SCALE_UP_WAIT_MS);
      const canary = (await loadCanary(cluster(), namespace, 'model'))!;
      await setCanaryWeight(cluster(), canary, 25);
      expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(3); // 3 of 13 pods

      await stableUsage(namespace, '5m'); // 10%: the HPA would go to 2, the held minimum keeps 6
      await until('the HPA to scale stable down to 6', stableAt(namespace, 6));
      await setCanaryWeight(cluster(), canary, 25);
      expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);
      await sleep(6_000); // past the HPA's 5 s scale-down window: it stays at the held minimum
      expect((await get(namespace, 'model'))!.spec!.replicas).toBe(6);
    });
    await expectOnlyHpaScaled(namespace, seen, 6, 10, 6);

    const back = await runInProcess(autoRollback, { ...kube(), deployment: 'model', namespace, mode: 'canary' });
    expect(back.errors).toEqual([]);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect(await scalerSnapshot(cluster(), namespace)).toEqual(before);
    // The user's minimum is back in force: at 10% load the HPA takes stable down to 2.
    await until('the restored HPA to scale stable to 2', stableAt(namespace, 2));
  }, 300_000);

  it('gateway-api, HPA at 6 of 2..10, 25%: load scales stable to 10 and the canary is re-sized to 3 at the next weight change, to 2 when the HPA is back at the held 6; promote brings the new stable to 8 ready before the canary loses traffic, restores the HPA exactly, and the HPA keeps 8', async () => {
    const namespace = await autoscaledStable('hpareal-gw');
    await createModelRoute(cluster(), namespace);
    const before = await scalerSnapshot(cluster(), namespace);
    const r = await runInProcess(canaryDeploy, { ...kube(), deployment: 'model', namespace, image: 'registry.example/model:2', weight: '25', 'traffic-router': 'gateway-api', route: 'model' });
    expect(r.errors).toEqual([]);
    expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2); // ceil(6 x 25%)

    const canary = (await loadCanary(cluster(), namespace, 'model'))!;
    const { seen } = await replicasSeen(namespace, async () => {
      await stableUsage(namespace, '100m');
      await until('the HPA to scale stable to 10', stableAt(namespace, 10), SCALE_UP_WAIT_MS);
      await setCanaryWeight(cluster(), canary, 25);
      expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(3); // ceil(10 x 25%)
      await stableUsage(namespace, '10m'); // 20%: the HPA would go to 4 (of 10), the held minimum keeps 6
      await until('the HPA to scale stable down to 6', stableAt(namespace, 6));
      await setCanaryWeight(cluster(), canary, 25);
      expect((await get(namespace, 'model-canary'))!.spec!.replicas).toBe(2);
    });
    await expectOnlyHpaScaled(namespace, seen, 6, 10, 6);

    const capacity = watchCapacity(cluster(), namespace);
    const p = await runInProcess(promote, { ...kube(), deployment: 'model', namespace });
    const watched = await capacity.stop();
    expect(p.errors).toEqual([]);
    const cut = watched.findIndex((s) => s.canaryWeight === 0);
    expect(cut).toBeGreaterThan(0);
    expect(Math.min(...watched.slice(0, cut).map((s) => s.stableReady))).toBeGreaterThanOrEqual(6);
    expect(watched[cut].stableReady).toBeGreaterThanOrEqual(8);
    expect(await scalerSnapshot(cluster(), namespace)).toEqual(before);
    // The new stable's 8 pods use 50m each (the template's usage): at target, the restored HPA keeps 8.
    // The controller reads new pods only after metrics-server has sampled them (every 10 s) and their readiness
    // delay: under a loaded machine this took over 90 s once, so this wait gets longer.
    await until('the HPA to settle on 8 new pods', stableAt(namespace, 8), 180_000);
    await sleep(8_000);
    const h = await cluster().get(hpaRef(namespace));
    expect([(await get(namespace, 'model'))!.spec!.replicas, h.status.desiredReplicas, h.metadata?.annotations?.[RESTORE]]).toEqual([8, 8, undefined]);
  }, 420_000);
});
