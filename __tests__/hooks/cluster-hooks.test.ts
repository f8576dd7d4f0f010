import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { KubeConfig, V1Job } from '@kubernetes/client-node';
import { sandboxEnv } from '../../sandbox/env.mjs';
import {
  createHookClients,
  HOOK_LABELS,
  parseHooks,
  removeHookJobs,
  runHooks,
  startDuringHooks,
  type HookClients,
  type HookContext,
  type HookStage,
} from '../../shared/hooks/index.js';
import { captureStdoutAsync } from './capture.js';

// Job hooks and Service hooks against the sandbox's real API server, with kwok playing the pods:
// pods succeed by default, fail with `ai-deploy.test/job-fails`, run forever with `ai-deploy.test/job-hangs`.
const workspace = fileURLToPath(new URL('./fixtures', import.meta.url));
const namespace = `hooks-${randomBytes(3).toString('hex')}`;
let clients: HookClients;
let context: HookContext;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const hookSelector = `${HOOK_LABELS.managedBy}=ai-deploy`;
const hookJobs = async () => (await clients.batch.listNamespacedJob({ namespace, labelSelector: hookSelector })).items;
const podsOf = async (job: string) => (await clients.core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;

/** Runs a stage while recording every hook Job that appears, so the test sees what was created before it is removed. */
async function runWatching(stage: HookStage, yaml: string, more: Partial<HookContext> = {}) {
  const plan = parseHooks(`${stage}:\n${yaml}`, { allowedStages: [stage], workspace });
  const seen = new Map<string, V1Job>();
  let running = true;
  const watcher = (async () => {
    while (running) {
      for (const job of await hookJobs()) seen.set(job.metadata!.name!, job);
      await sleep(200);
    }
  })();
  const { value: report, text: log } = await captureStdoutAsync(() => runHooks(stage, plan, { ...context, ...more }));
  running = false;
  await watcher;
  return { report, log, created: [...seen.values()] };
}

/** The Job is gone at once, and its pods soon after (background propagation). */
async function expectCleanedUp(jobName: string): Promise<void> {
  const status = await clients.batch.readNamespacedJob({ name: jobName, namespace }).then(
    (job) => (job.metadata?.deletionTimestamp ? 'deleting' : 'present'),
    (error: { code?: number }) => (error.code === 404 ? 'gone' : `error ${error.code}`),
  );
  expect(['gone', 'deleting']).toContain(status);
  await eventually(`Job ${jobName} and its pods to be removed`, async () => {
    const job = await clients.batch.readNamespacedJob({ name: jobName, namespace }).then(() => true, () => false);
    return !job && (await podsOf(jobName)).length === 0 ? true : undefined;
  });
}

beforeAll(async () => {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig: KubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandboxEnv().kubeconfigPath);
  clients = await createHookClients(kubeConfig);
  await clients.core.createNamespace({ body: { metadata: { name: namespace } } });
  await eventually('the default service account', () =>
    clients.core.readNamespacedServiceAccount({ name: 'default', namespace }).then(() => true, () => undefined),
  );
  context = {
    namespace,
    clients,
    values: { image: 'registry.local/sentiment:abc123', 'model-version': 'v7' },
    labels: { 'ai-deploy.dev/deployment': 'sentiment' },
    pollIntervalMs: 250,
  };
});

afterAll(async () => {
  await clients?.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('job hooks on a real API server', () => {
  it('a Job that succeeds passes; it was created from the manifest with the canary image, in our namespace, then removed', async () => {
    const { report, created } = await runWatching('pre-traffic', '  - {name: smoke, kind: job, manifest: jobs/succeeds.yaml, timeout: 60s}\n');
    expect(report.ok).toBe(true);
    expect(created).toHaveLength(1);
    const job = created[0];
    const name = job.metadata!.name!;
    expect(name).toMatch(/^smoke-check-[a-z0-9]{5}$/);
    expect(report.results[0]).toMatchObject({ name: 'smoke', kind: 'job', outcome: 'passed', detail: `Job ${name} completed` });
    expect(job.metadata!.namespace).toBe(namespace);
    expect(job.metadata!.labels).toMatchObject({ 'ai-deploy.dev/hook': 'smoke', 'ai-deploy.dev/hook-stage': 'pre-traffic', 'ai-deploy.dev/deployment': 'sentiment' });
    expect(job.spec!.template.spec!.containers[0]).toMatchObject({ image: 'registry.local/sentiment:abc123', args: ['--model-version', 'v7', '--namespace', namespace] });
    await expectCleanedUp(name);
  });

  it('a Job that fails fails the hook with the reason and how its pod ended, shows its pod logs in a log group, and is removed', async () => {
    const { report, log, created } = await runWatching('pre-promote', '  - {name: migrate, kind: job, manifest: jobs/fails.yaml, timeout: 60s}\n');
    const name = created[0].metadata!.name!;
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(new RegExp(`^pre-promote hook \`migrate\` \\(job\\) failed: Job ${name} failed: BackoffLimitExceeded: .*; pod ${name}-[a-z0-9]+ Failed \\(exit code 1`));
    expect(report.failure).toContain('failed on purpose (ai-deploy.test/job-fails)');
    expect(log).toContain(`::group::Logs of Job ${namespace}/${name} (hook migrate)`);
    expect(log).toMatch(new RegExp(`--- pod ${name}-[a-z0-9]+, container migrate\\n`));
    expect(log.indexOf('::endgroup::')).toBeGreaterThan(log.indexOf('::group::Logs of Job'));
    await expectCleanedUp(name);
  });

  it('a Job that never finishes fails at its timeout, naming the timeout, and is removed with its running pod', async () => {
    const { report, log, created } = await runWatching('pre-traffic', '  - {name: stuck, kind: job, manifest: jobs/hangs.yaml, timeout: 3s}\n');
    const name = created[0].metadata!.name!;
    expect(report.results[0].outcome).toBe('failed');
    expect(report.results[0].detail).toMatch(new RegExp(`^Job ${name} did not finish within 3s; pod ${name}-[a-z0-9]+ Running$`));
    expect(log).toContain(`::group::Logs of Job ${namespace}/${name} (hook stuck)`);
    await expectCleanedUp(name);
  });

  it('a Job the API server refuses fails with its message and leaves nothing behind', async () => {
    const { report } = await runWatching('post-promote', '  - {name: refused, kind: job, manifest: jobs/invalid-container.yaml}\n');
    expect(report.results[0].detail).toMatch(/^Job from jobs\/invalid-container\.yaml could not be created: 422: Job\.batch "refused-.*" is invalid: .*Not_A_Label/);
    expect(await hookJobs()).toEqual([]);
  });
});

describe('during hooks on a real API server', () => {
  it('a running Job is left running alongside the analysis and deleted, with its pod, when stopped', async () => {
    const plan = parseHooks('during:\n  - {name: load, kind: job, manifest: jobs/succeeds-slowly.yaml}\n', { allowedStages: ['during'], workspace });
    const { value: during } = await captureStdoutAsync(() => startDuringHooks(plan, context));
    const [job] = await hookJobs();
    const name = job.metadata!.name!;
    await eventually('the load pod to run', async () => ((await podsOf(name))[0]?.status?.phase === 'Running' ? true : undefined));
    expect(job.spec!.activeDeadlineSeconds).toBe(3660);
    const { value: report } = await captureStdoutAsync(() => during.stop());
    expect(report.ok).toBe(true);
    expect(report.results[0]).toMatchObject({ stage: 'during', name: 'load', ok: true, outcome: 'stopped', detail: `Job ${name} was still running and was stopped` });
    await expectCleanedUp(name);
  });

  it('a Job that failed during the analysis is reported failed when stopped, and removed', async () => {
    const plan = parseHooks('during:\n  - {name: load, kind: job, manifest: jobs/fails.yaml}\n', { allowedStages: ['during'], workspace });
    const { value: during } = await captureStdoutAsync(() => startDuringHooks(plan, context));
    const [job] = await hookJobs();
    const name = job.metadata!.name!;
    await eventually('the Job to fail', async () => {
      const status = await clients.batch.readNamespacedJobStatus({ name, namespace });
      return status.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? true : undefined;
    });
    const { value: report } = await captureStdoutAsync(() => during.stop());
    expect(report.ok).toBe(false);
    expect(report.failure).toMatch(new RegExp(`^during hook \`load\` \\(job\\) failed: Job ${name} failed: BackoffLimitExceeded`));
    await expectCleanedUp(name);
  });
});

describe('removeHookJobs', () => {
  it("removes this deployment's hook Jobs left by a crashed run, and no one else's", async () => {
    const plan = parseHooks('during:\n  - {name: load, kind: job, manifest: jobs/hangs.yaml}\n', { allowedStages: ['during'], workspace });
    await captureStdoutAsync(() => startDuringHooks(plan, context)); // never stopped: the run "crashed"
    const other = { ...context, labels: { 'ai-deploy.dev/deployment': 'other-model' } };
    await captureStdoutAsync(() => startDuringHooks(plan, other));
    const jobs = await hookJobs();
    const of = (deployment: string) => jobs.filter((j) => j.metadata!.labels!['ai-deploy.dev/deployment'] === deployment).map((j) => j.metadata!.name!);
    const [ours, theirs] = [of('sentiment'), of('other-model')];
    expect([ours.length, theirs.length]).toEqual([1, 1]);
    const removed = await captureStdoutAsync(() => removeHookJobs({ ...context, clients }, 'during'));
    expect(removed.value).toEqual(ours);
    await expectCleanedUp(ours[0]);
    expect((await hookJobs()).map((j) => j.metadata!.name)).toEqual(theirs);
    expect(await removeHookJobs({ ...other, clients })).toEqual(theirs);
    await expectCleanedUp(theirs[0]);
  });
});

describe('http hooks to a Service through the API server proxy', () => {
  beforeAll(async () => {
    await clients.core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'sentiment-canary' }, spec: { selector: { app: 'nothing-runs-this' }, ports: [{ port: 8080 }] } },
    });
  });

  it('a Service with no pods behind it fails clearly, with the API server saying why', async () => {
    const { report } = await runWatching('pre-traffic', '  - {name: smoke, kind: http, service: sentiment-canary, port: 8080, path: /healthz, retries: 0}\n');
    expect(report.failure).toBe(
      `pre-traffic hook \`smoke\` (http) failed: GET service ${namespace}/sentiment-canary:8080/healthz (through the API server) failed: the API server answered 503: no endpoints available for service "sentiment-canary"`,
    );
  });

  it('a Service that does not exist fails naming it, which also shows the request was authenticated', async () => {
    const { report } = await runWatching('pre-traffic', '  - {name: smoke, kind: http, service: no-such-svc, port: 80, retries: 0}\n');
    expect(report.results[0].detail).toBe(
      `GET service ${namespace}/no-such-svc:80/ (through the API server) failed: the API server answered 404: services "no-such-svc" not found`,
    );
  });
});
