import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess, type StepResult } from '../support/run-step.js';
import { runChildStep } from '../support/run-child.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { run as canaryDeploy } from '../../actions/canary-deploy/main.js';
import { run as promote } from '../../actions/promote/main.js';
import { run as autoRollback } from '../../actions/auto-rollback/main.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { PROGRESS } from '../../shared/canary/progress.js';
import { PROMOTION, ROLLBACK } from '../../shared/k8s/annotations.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { errorRateMetric, writeTraffic } from './monitor-canary-support.js';

// Races between steps on one canary, made deterministic: the fault proxy holds one request of a step (or
// the test waits for a step to be mid-way), auto-rollback runs meanwhile, then the step goes on.
const { cluster, ns } = useSandboxNamespaces();
let proxy: FaultProxy;
let promUrl: string;
beforeAll(async () => {
  proxy = await FaultProxy.start(sandboxKubeconfig());
  promUrl = await prometheusUrl();
});
afterAll(async () => {
  await proxy?.stop();
});

const image = 'r.example/model:2';
const direct = () => ({ kubeconfig: sandboxKubeconfig() });
const viaProxy = () => ({ kubeconfig: proxy.kubeconfigYaml() });
const rollbackRun = { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '78' };
const rollbackUrl = 'https://github.com/acme/model/actions/runs/78';
const canaryInputs = (namespace: string) => ({ deployment: 'model', namespace, image, 'traffic-router': 'gateway-api', route: 'model', weight: '20' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stableWithRoute(prefix: string): Promise<string> {
  const namespace = await ns(prefix);
  await createStable(cluster(), namespace, 'model', { replicas: 2 });
  await createModelRoute(cluster(), namespace);
  return namespace;
}

const weights = async (namespace: string): Promise<Record<string, number>> =>
  Object.fromEntries(
    ((await cluster().get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' })).spec.rules[0].backendRefs as { name: string; weight: number }[]).map((b) => [b.name, b.weight]),
  );
const stable = (namespace: string) => cluster().get<V1Deployment>(deploymentRef(namespace, 'model'));

/** Stable serves everything: the route back as before the canary (stable alone), no canary Deployment or Service, no canary state. */
async function expectRolledBack(namespace: string): Promise<void> {
  expect(await weights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
  expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
  expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  const d = await stable(namespace);
  expect(decodeCanaryState(d.metadata?.annotations)).toBeUndefined();
  expect(d.metadata?.annotations?.[PROGRESS]).toBeUndefined();
  expect(d.metadata?.annotations).toMatchObject({ [ROLLBACK.reason]: 'race test', [ROLLBACK.by]: rollbackUrl, [ROLLBACK.toImage]: 'registry.example/model:1.0.0' });
}

async function rollBack(namespace: string): Promise<StepResult> {
  const r = await runInProcess(autoRollback, { ...direct(), deployment: 'model', namespace, mode: 'canary', reason: 'race test' }, { env: rollbackRun });
  expect(r.errors).toEqual([]);
  expect(r.outputs['rolled-back']).toBe('true');
  return r;
}

describe('auto-rollback racing another step on the same canary: the rollback wins', () => {
  it('canary-deploy held between its rollout and its traffic step writes nothing after the rollback and fails naming it', async () => {
    const namespace = await stableWithRoute('rcd');
    const route = /\/httproutes\/model$/;
    let prepared = false;
    // The first read of the route after canary-deploy set its routing up (at 0%) is its traffic step.
    const hold = proxy.hold((r) => {
      if (r.method === 'PUT' && route.test(r.path)) prepared = true;
      return prepared && r.method === 'GET' && route.test(r.path);
    });
    const step = runChildStep('canary-deploy', { ...viaProxy(), ...canaryInputs(namespace) });
    await Promise.race([hold.held, step.done.then((r) => Promise.reject(new Error(`canary-deploy ended before its traffic step: ${r.stdout}`)))]);
    expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeDefined();
    await rollBack(namespace);
    hold.release();
    const r = await step.done;
    expect(r.failed).toBe(true);
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^The canary ${namespace}/model-canary was rolled back by ${rollbackUrl} at \\S+ \\(race test\\); this step changed nothing more\\.$`))]);
    await expectRolledBack(namespace);
  }, 60_000);

  it('monitor-canary mid-step ends inconclusive naming the rollback, raises no weight and re-creates nothing', async () => {
    const namespace = await stableWithRoute('rmc');
    expect((await runInProcess(canaryDeploy, { ...direct(), ...canaryInputs(namespace), weight: '10' })).errors).toEqual([]);
    const app = uniqueApp('rmc');
    // No canary traffic: no evidence, so the first step runs its whole time.
    await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary: { requests: 0, errors: 0 } });
    const step = runChildStep('monitor-canary', {
      ...direct(),
      deployment: 'model',
      namespace,
      'prometheus-url': promUrl,
      metrics: errorRateMetric(app, 'max-increase: 50%\nmax: 0.05'),
      steps: '20,40',
      interval: '2s',
      'step-duration': '8s',
    });
    for (let i = 0; i < 150 && (await stable(namespace)).metadata?.annotations?.['ai-deploy.dev/weight'] !== '20'; i++) await sleep(100);
    expect(await weights(namespace)).toEqual({ model: 80, 'model-canary': 20 });
    await rollBack(namespace);
    const r = await step.done;
    expect(r.failed).toBe(true);
    expect(r.outputs.verdict).toBe('inconclusive');
    // Its next write or lease renewal met the rollback finished, or (on a slow machine) still under way, or
    // (between the rollback taking the lease and recording its progress) only the lease taken: each names the rollback's run.
    expect(r.outputs.reason).toMatch(
      new RegExp(
        `^(The canary ${namespace}/model-canary (was rolled back by ${rollbackUrl} at \\S+ \\(race test\\)|is being changed by a rollback \\(started\\) by ${rollbackUrl} at \\S+: race test); this step changed nothing more\\.` +
          `|The canary on ${namespace}/model was taken over by another run \\(${rollbackUrl}\\); this run no longer owns it\\. monitor-canary stopped and changed nothing)`,
      ),
    );
    expect(r.stdout).not.toMatch(/canary weight back to/);
    await expectRolledBack(namespace);
  }, 60_000);
});

/** A canary on a fresh stable, then a promote cut off after its writes up to the canary Deployment's deletion (the 3rd). */
async function promoteCutBeforeCanaryDeleted(prefix: string): Promise<string> {
  const namespace = await stableWithRoute(prefix);
  expect((await runInProcess(canaryDeploy, { ...direct(), ...canaryInputs(namespace) })).errors).toEqual([]);
  proxy.cutFromWrite(3);
  try {
    expect((await runInProcess(promote, { ...viaProxy(), deployment: 'model', namespace })).failed).toBe(true);
  } finally {
    proxy.heal();
  }
  return namespace;
}

describe('promote failing at each of its writes in turn', () => {
  it('each re-run completes the promotion, and the records match what runs', async () => {
    let failedAt = 0;
    for (let n = 1; n <= 20; n++) {
      const namespace = await stableWithRoute(`rpw${n}`);
      expect((await runInProcess(canaryDeploy, { ...direct(), ...canaryInputs(namespace) })).errors).toEqual([]);
      proxy.cutFromWrite(n); // write n is applied, then the API server is unreachable
      let r: StepResult;
      try {
        r = await runInProcess(promote, { ...viaProxy(), deployment: 'model', namespace });
      } finally {
        proxy.heal();
      }
      if (!r.failed) break; // promote made fewer than n writes: every write has been failed once
      failedAt = n;
      expect(r.errors[0]).toMatch(/^Cannot reach the Kubernetes API server https:\/\/127\.0\.0\.1:\d+ \(the cluster in `kubeconfig`\): 503 service unavailable|503 service unavailable/);
      // Never traffic to a canary that is gone, whatever write it stopped at.
      const w = await weights(namespace);
      if (w['model-canary']) expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeDefined();

      const again = await runInProcess(promote, { ...viaProxy(), deployment: 'model', namespace });
      expect({ n, errors: again.errors }).toEqual({ n, errors: [] });
      const d = await stable(namespace);
      expect(d.spec!.template.spec!.containers[0].image).toBe(image);
      expect(d.metadata!.annotations).toMatchObject({ [PROMOTION.promotedImage]: image, [PROMOTION.previousImage]: 'registry.example/model:1.0.0' });
      expect(d.metadata!.annotations![ROLLBACK.toImage]).toBeUndefined();
      expect(decodeCanaryState(d.metadata!.annotations)).toBeUndefined();
      expect(d.metadata!.annotations![PROGRESS]).toBeUndefined();
      expect(await weights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
      expect(await cluster().find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
      expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
      expect(again.outputs).toMatchObject({ image, 'previous-image': 'registry.example/model:1.0.0' });
    }
    // Promote writes: stable image, route reset, canary Deployment/ReplicaSet/pod deletes, route clean-up, Service delete, state cleared.
    expect(failedAt).toBeGreaterThanOrEqual(6);
    console.log(`promote was cut off after each of its ${failedAt} writes in turn; every re-run completed it`);
  }, 180_000);

  it('auto-rollback after a promote that moved stable and deleted the canary records no false rollback; promote then completes', async () => {
    const namespace = await promoteCutBeforeCanaryDeleted('rpa');
    expect((await stable(namespace)).spec!.template.spec!.containers[0].image).toBe(image);
    const refused = await runInProcess(autoRollback, { ...direct(), deployment: 'model', namespace, mode: 'canary', reason: 'race test' });
    expect(refused.errors).toEqual([expect.stringMatching(/^A promotion already moved stable .*\/model to the canary's image r\.example\/model:2 \(a promotion \(stable-updated\) at \S+\): a canary rollback cannot take that back, and nothing was changed\. Re-run promote/)]);
    const d = await stable(namespace);
    expect(d.metadata!.annotations![ROLLBACK.at]).toBeUndefined();
    const again = await runInProcess(promote, { ...direct(), deployment: 'model', namespace });
    expect(again.errors).toEqual([]);
    expect(again.stdout).toMatch(/Resuming the promotion/);
    expect((await stable(namespace)).metadata!.annotations![PROMOTION.promotedImage]).toBe(image);
    expect(await weights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
  }, 60_000);

  it('auto-rollback mode auto after a promote that moved stable rolls the revision back, with a true record, and clears what is left of the canary', async () => {
    const namespace = await promoteCutBeforeCanaryDeleted('rpb');
    const r = await runInProcess(autoRollback, { ...direct(), deployment: 'model', namespace, mode: 'auto', reason: 'race test' }, { env: rollbackRun });
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ 'rolled-back': 'true', 'from-image': image, 'to-image': 'registry.example/model:1.0.0' });
    const d = await stable(namespace);
    expect(d.spec!.template.spec!.containers[0].image).toBe('registry.example/model:1.0.0');
    expect(d.metadata!.annotations).toMatchObject({ [ROLLBACK.mode]: 'revision', [ROLLBACK.fromImage]: image, [ROLLBACK.toImage]: 'registry.example/model:1.0.0' });
    expect(decodeCanaryState(d.metadata!.annotations)).toBeUndefined();
    expect(d.metadata!.annotations![PROGRESS]).toBeUndefined();
    expect(await weights(namespace)).toEqual({ model: 1 }); // stable alone, back at the weight createModelRoute's route was stored with (default 1)
    expect(await cluster().find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
  }, 60_000);
});
