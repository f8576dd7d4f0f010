import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess, type StepResult } from '../support/run-step.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as post } from '../../actions/canary-deploy/post.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';

// A run that turns a shadow canary into a weighted one (canary-deploy with strategy: canary) dies after
// each of its writes in turn: the route is never both mirrored and weighted, its post step (a cancelled or
// failed job) leaves stable serving all traffic, and a re-run finishes the conversion.
const { cluster, ns } = useSandboxNamespaces();
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await FaultProxy.start(sandboxKubeconfig());
});
afterAll(async () => {
  await proxy?.stop();
});

const attempt = (n: number) => ({ env: { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '1617', GITHUB_RUN_ATTEMPT: String(n), GITHUB_JOB: 'rollout' } });
const run = attempt(1);
const base = (namespace: string) => ({ deployment: 'model', namespace, image: 'r.example/model:2', 'traffic-router': 'gateway-api', route: 'model' });
const direct = () => ({ kubeconfig: sandboxKubeconfig() });
const routeRef = (namespace: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' });

/** The HTTPRoute's one rule as backend weights and the mirrored share (0 when none). */
async function routing(namespace: string): Promise<{ weights: Record<string, number>; mirror: number }> {
  const rule = (await cluster().get(routeRef(namespace))).spec.rules[0];
  const weights = Object.fromEntries((rule.backendRefs as { name: string; weight: number }[]).map((b) => [b.name, b.weight]));
  const mirror = (rule.filters ?? []).find((f: { type: string }) => f.type === 'RequestMirror')?.requestMirror.percent ?? 0;
  return { weights, mirror };
}

async function shadowCanary(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 4 });
  await cluster().create({ ...routeRef(namespace), metadata: { name: 'model', namespace }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'model', port: 80 }] }] } });
  expect((await runInProcess(canaryDeploy, { ...direct(), ...base(namespace), strategy: 'shadow', 'mirror-percent': '50' }, run)).errors).toEqual([]);
  return namespace;
}

/** The conversion through the proxy, cut off after its n-th write; undefined when it made fewer writes (it finished). */
async function convertCutAt(namespace: string, n: number): Promise<StepResult | undefined> {
  proxy.cutFromWrite(n);
  let r: StepResult;
  try {
    r = await runInProcess(canaryDeploy, { kubeconfig: proxy.kubeconfigYaml(), ...base(namespace), strategy: 'canary', weight: '10' }, run);
  } finally {
    proxy.heal();
  }
  if (!r.failed) return undefined;
  // Wherever it stopped: the mirror or the weight, never both; stable never below the canary's share.
  const now = await routing(namespace);
  expect({ n, at: now }).toEqual({ n, at: now.mirror ? { weights: { model: 100, 'model-canary': 0 }, mirror: 50 } : { weights: { model: 90, 'model-canary': 10 }, mirror: 0 } });
  return r;
}

describe('turning a shadow canary into a weighted canary, cut off after each write', () => {
  it('its post step restores stable to all traffic, and a re-run completes the conversion', async () => {
    let cutAfter = 0;
    for (let n = 1; n <= 15; n++) {
      const cancelled = await shadowCanary(`convcut${n}`);
      const r = await convertCutAt(cancelled, n);
      if (!r) break;
      cutAfter = n;
      // A post step gets the main step's inputs.
      const cleaned = await runInProcess(post, { ...direct(), ...base(cancelled), strategy: 'canary', weight: '10' }, { ...run, state: r.state });
      expect({ n, errors: cleaned.errors }).toEqual({ n, errors: [] });
      if (/nothing to clean up/.test(cleaned.stdout)) {
        // The run never heard its first write (the claim) land, so its post step cannot know the canary is its own:
        // users are all on stable still (the mirror copies requests, it takes none), and the sweep after the
        // lease (auto-rollback) or a re-run deals with it.
        expect({ n, at: await routing(cancelled) }).toEqual({ n, at: { weights: { model: 100, 'model-canary': 0 }, mirror: 50 } });
        expect((await runInProcess(autoRollback, { ...direct(), deployment: 'model', namespace: cancelled, mode: 'canary' }, attempt(2))).errors).toEqual([]);
      }
      // Stable alone, at the weight the server stored before the canary (the CRD's default 1: the route was created without one).
      expect({ n, at: await routing(cancelled) }).toEqual({ n, at: { weights: { model: 1 }, mirror: 0 } });
      const left = await cluster().find<V1Deployment>(deploymentRef(cancelled, 'model-canary'));
      expect({ n, left: left && { ...left.metadata, status: left.status } }).toEqual({ n, left: undefined });
      expect(await cluster().find(serviceRef(cancelled, 'model-canary'))).toBeUndefined();
      expect(decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(cancelled, 'model'))).metadata?.annotations)).toBeUndefined();

      const rerun = await shadowCanary(`convre${n}`);
      expect(await convertCutAt(rerun, n)).toBeDefined();
      // A re-run is the job's next attempt (GitHub starts it once the cut one ended).
      const again = await runInProcess(canaryDeploy, { ...direct(), ...base(rerun), strategy: 'canary', weight: '10' }, attempt(2));
      expect({ n, errors: again.errors }).toEqual({ n, errors: [] });
      expect(await routing(rerun)).toEqual({ weights: { model: 90, 'model-canary': 10 }, mirror: 0 });
      const state = decodeCanaryState((await cluster().get<V1Deployment>(deploymentRef(rerun, 'model'))).metadata?.annotations);
      expect(state).toMatchObject({ strategy: 'canary', phase: 'ready', weight: 10 });
      expect((await cluster().get<V1Deployment>(deploymentRef(rerun, 'model-canary'))).spec!.replicas).toBe(1);
    }
    // The conversion writes: the recorded state (claim), the canary's size, the route, the state again, its copy on the canary.
    expect(cutAfter).toBeGreaterThanOrEqual(4);
    console.log(`the conversion was cut off after each of its ${cutAfter} writes in turn; every post step (or, where the run never heard its claim land, auto-rollback) restored stable, every re-run converted`);
  }, 300_000);
});

describe('turning a shadow canary into a weighted canary above its mirrored share', () => {
  it('grows the canary to its size for the weight, its pods ready before the route write that gives it the weight', async () => {
    const namespace = await ns('convgrow');
    await createStable(cluster(), namespace, 'model', { replicas: 4 });
    await cluster().create({ ...routeRef(namespace), metadata: { name: 'model', namespace }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'model', port: 80 }] }] } });
    expect((await runInProcess(canaryDeploy, { ...direct(), ...base(namespace), strategy: 'shadow', 'mirror-percent': '10' }, run)).errors).toEqual([]);
    expect((await cluster().get<V1Deployment>(deploymentRef(namespace, 'model-canary'))).spec!.replicas).toBe(1);
    // Hold the conversion's one write of the route until the cluster has been looked at.
    const hold = proxy.hold((r) => r.method === 'PUT' && /\/httproutes\/model$/.test(r.path));
    const step = runInProcess(canaryDeploy, { kubeconfig: proxy.kubeconfigYaml(), ...base(namespace), strategy: 'canary', weight: '50' }, run);
    await Promise.race([hold.held, step.then((r) => Promise.reject(new Error(`canary-deploy ended before its route write: ${r.errors.join('; ')}`)))]);
    const grown = await cluster().get<V1Deployment>(deploymentRef(namespace, 'model-canary'));
    const before = await routing(namespace);
    hold.release();
    const r = await step;
    expect(r.errors).toEqual([]);
    expect({ replicas: grown.spec!.replicas, ready: grown.status?.readyReplicas }).toEqual({ replicas: 2, ready: 2 });
    expect(before).toEqual({ weights: { model: 100, 'model-canary': 0 }, mirror: 10 });
    expect(await routing(namespace)).toEqual({ weights: { model: 50, 'model-canary': 50 }, mirror: 0 });
  }, 60_000);
});
