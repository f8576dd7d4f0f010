import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess, type StepResult } from '../support/run-step.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as monitorCanary } from '../../actions/monitor-canary/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { PROMOTION, ROLLBACK } from '../../shared/k8s/annotations.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, writeTraffic } from './monitor-canary-support.js';

// Each action runs through a TLS proxy in front of the sandbox API server that injects, at random from a
// seed, 500/503/429/409 answers, delays and connection resets before and after the write (about one
// request in 2.5). Every run must succeed or fail with a clear one-line error; one re-run without faults
// must converge; after every run, no route sends traffic to a canary whose Deployment or Service is gone.
const RATE = 0.4;
// Runs are few on purpose (the spec must stay near 2 minutes on a loaded 2-core machine): about 40 requests a run.
const REPLICAS_SEED = 102;
const SEEDS = { 'canary-deploy': [101, REPLICAS_SEED, 103], 'monitor-canary': [201], promote: [301, 302], 'auto-rollback': [401, 402, 403] };

const { cluster, ns } = useSandboxNamespaces();
let proxy: FaultProxy;
let promUrl: string;
const tally: Record<string, { runs: number; firstOk: number; reruns: number; rerunOk: number; faults: number; failures: string[] }> = {};

beforeAll(async () => {
  proxy = await FaultProxy.start(sandboxKubeconfig());
  promUrl = await prometheusUrl();
});
afterAll(async () => {
  await proxy?.stop();
  const lines = Object.entries(tally).map(([a, t]) => `${a}: ${t.runs} runs, ${t.faults} faults injected, first try ${t.firstOk}/${t.runs} succeeded, re-run ${t.rerunOk}/${t.reruns}${t.failures.map((f) => `\n  failed clearly: ${f}`).join('')}`);
  console.log(`faults under a ${RATE * 100}% fault rate:\n${lines.join('\n')}`);
});

const direct = () => ({ kubeconfig: sandboxKubeconfig() });
const faulty = () => ({ kubeconfig: proxy.kubeconfigYaml() });
const image = 'r.example/model:2';

async function stableWithRoute(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 2 });
  await createModelRoute(cluster(), namespace);
  return namespace;
}

/** The runner's variables for attempt `n` of this seed's workflow run. */
const attempt = (seed: number, n: number) => ({ GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: String(seed), GITHUB_RUN_ATTEMPT: String(n) });

const canaryInputs = (namespace: string) => ({ deployment: 'model', namespace, image, 'traffic-router': 'gateway-api', route: 'model', weight: '10' });

async function withCanary(prefix: string): Promise<string> {
  const namespace = await stableWithRoute(prefix);
  const r = await runInProcess(canaryDeploy, { ...direct(), ...canaryInputs(namespace) });
  expect(r.errors).toEqual([]);
  return namespace;
}

const weights = async (namespace: string): Promise<Record<string, number>> =>
  Object.fromEntries(
    ((await cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' })).spec.rules[0].backendRefs as { name: string; weight: number }[]).map((b) => [b.name, b.weight]),
  );
const stable = (namespace: string) => cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));

/** The invariant after every run: any backend with traffic other than stable has its Deployment and Service. */
async function expectNoTrafficToMissingCanary(namespace: string): Promise<void> {
  for (const [name, weight] of Object.entries(await weights(namespace))) {
    if (name === 'model' || !weight) continue;
    const d = await cluster().find<V1Deployment>(deploymentRef(namespace, name));
    expect({ backend: name, weight, deployment: Boolean(d && !d.metadata?.deletionTimestamp), service: Boolean(await cluster().find(serviceRef(namespace, name))) }).toEqual({
      backend: name,
      weight,
      deployment: true,
      service: true,
    });
  }
}

/** A failed run says what went wrong in one line each: no HTTP dump, no stack. */
function expectClearFailure(r: StepResult): void {
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    expect(e).not.toMatch(/HTTP-Code|Headers:|\n\s+at |\[object Object\]|undefined$/);
    expect(e.length).toBeGreaterThan(20);
  }
}

/** Runs `first` under faults for each seed, checks it, heals the proxy, runs `again` and checks convergence. */
async function underFaults(action: keyof typeof SEEDS, seed: number, first: () => Promise<StepResult>, again: () => Promise<StepResult>, check: () => Promise<void>, namespace: string) {
  const t = (tally[action] ??= { runs: 0, firstOk: 0, reruns: 0, rerunOk: 0, faults: 0, failures: [] });
  const before = proxy.faults;
  proxy.schedule({ seed, rate: RATE, maxDelayMs: 1_000 });
  let r: StepResult;
  try {
    r = await first();
  } finally {
    proxy.heal();
  }
  t.runs++;
  t.faults += proxy.faults - before;
  await expectNoTrafficToMissingCanary(namespace);
  if (r.failed) {
    expectClearFailure(r);
    t.failures.push(r.errors.at(-1)!);
  } else t.firstOk++;
  // One re-run without faults converges (a run that succeeded is re-run too: it must change nothing harmful).
  const second = await again();
  t.reruns++;
  expect({ seed, errors: second.errors }).toEqual({ seed, errors: [] });
  t.rerunOk++;
  await expectNoTrafficToMissingCanary(namespace);
  await check();
}

describe('every action under injected API faults', () => {
  it('canary-deploy (gateway-api, and replicas for one seed): ends set up or failing clearly; a re-run leaves the canary ready at its weight', async () => {
    for (const seed of SEEDS['canary-deploy']) {
      const namespace = await stableWithRoute(`fcd${seed}`);
      // The default router too: its canary Deployment is the routing (created once, even when an answer is lost).
      const replicas = seed === REPLICAS_SEED;
      const inputs = replicas ? { deployment: 'model', namespace, image, weight: '10' } : canaryInputs(namespace);
      await underFaults(
        'canary-deploy',
        seed,
        () => runInProcess(canaryDeploy, { ...faulty(), ...inputs }, { env: attempt(seed, 1) }),
        // GitHub's re-run is the run's next attempt (started once the first ended): it inherits the lease.
        () => runInProcess(canaryDeploy, { ...faulty(), ...inputs }, { env: attempt(seed, 2) }),
        async () => {
          if (!replicas) expect(await weights(namespace)).toEqual({ model: 90, 'model-canary': 10 });
          expect(decodeCanaryState((await stable(namespace)).metadata?.annotations)).toMatchObject({ phase: 'ready', weight: replicas ? 33 : 10, canaryImage: image });
          const canaries = await cluster().list('apps/v1', 'Deployment', namespace, 'ai-deploy.dev/canary-of=model');
          expect(canaries.map((d) => [d.metadata!.name, d.spec.replicas])).toEqual([['model-canary', 1]]);
        },
        namespace,
      );
    }
  }, 120_000);

  it('promote: ends promoted or failing clearly; a re-run completes the promotion and the records match what runs', async () => {
    for (const seed of SEEDS.promote) {
      const namespace = await withCanary(`fpr${seed}`);
      await underFaults(
        'promote',
        seed,
        () => runInProcess(promote, { ...faulty(), deployment: 'model', namespace }),
        () => runInProcess(promote, { ...faulty(), deployment: 'model', namespace }),
        async () => {
          const d = await stable(namespace);
          expect(d.spec!.template.spec!.containers[0].image).toBe(image);
          expect(d.metadata!.annotations![PROMOTION.promotedImage]).toBe(image);
          expect(decodeCanaryState(d.metadata!.annotations)).toBeUndefined();
          expect(await weights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
          expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
        },
        namespace,
      );
    }
  }, 120_000);

  it('auto-rollback: ends rolled back or failing clearly; a re-run leaves stable with all traffic and a true record', async () => {
    for (const seed of SEEDS['auto-rollback']) {
      const namespace = await withCanary(`far${seed}`);
      await underFaults(
        'auto-rollback',
        seed,
        () => runInProcess(autoRollback, { ...faulty(), deployment: 'model', namespace, mode: 'canary', reason: 'fault test' }),
        () => runInProcess(autoRollback, { ...faulty(), deployment: 'model', namespace, mode: 'canary', reason: 'fault test' }),
        async () => {
          const d = await stable(namespace);
          expect(d.spec!.template.spec!.containers[0].image).toBe('registry.example/model:1.0.0');
          expect(d.metadata!.annotations).toMatchObject({ [ROLLBACK.fromImage]: image, [ROLLBACK.toImage]: 'registry.example/model:1.0.0' });
          expect(decodeCanaryState(d.metadata!.annotations)).toBeUndefined();
          expect(await weights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
          expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
        },
        namespace,
      );
    }
  }, 120_000);

  it('monitor-canary live: ends with a verdict or failing clearly; a re-run passes with the route at the recorded weight', async () => {
    for (const seed of SEEDS['monitor-canary']) {
      const namespace = await withCanary(`fmc${seed}`);
      const app = uniqueApp(`fmc${seed}`);
      await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 5000, errors: 50 } });
      const inputs = { deployment: 'model', namespace, 'prometheus-url': promUrl, metrics: errorRateMetric(app, 'max-increase: 50%\nmax: 0.05'), steps: '30', interval: '2s', 'step-duration': '10s' };
      await underFaults(
        'monitor-canary',
        seed,
        () => runInProcess(monitorCanary, { ...faulty(), ...inputs }),
        () => runInProcess(monitorCanary, { ...faulty(), ...inputs }),
        async () => {
          expect(await weights(namespace)).toEqual({ model: 70, 'model-canary': 30 });
          expect(decodeCanaryState((await stable(namespace)).metadata?.annotations)).toMatchObject({ weight: 30 });
        },
        namespace,
      );
    }
  }, 120_000);
});
