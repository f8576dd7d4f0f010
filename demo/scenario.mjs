// The demo scenario, for `npm run demo` and the end-to-end test: a stable agent 1.0.0 serving real
// traffic in the sandbox (HTTP requests through the sandbox gateway to pods that serve), then the pipeline (build-image -> model-validate -> canary-deploy ->
// monitor-canary -> promote | auto-rollback) run twice as GitHub would run it: a good model (promoted),
// then a bad one (caught by the canary analysis, rolled back). Returns what happened, with timings.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { sandboxEnv } from '../sandbox/env.mjs';
import { APP, connect, deleteNamespace, deployStable, describeCluster, readServing } from './cluster.mjs';
import { Job, root } from './job.mjs';
import { startModelServer } from './model-server.mjs';
import { cloudwatchTotals, deleteSeries, readPointer, resetModelRegistry } from './stores.mjs';
import { TrafficGenerator } from './traffic.mjs';

export const DEFAULTS = {
  namespace: 'ai-deploy-demo',
  bucket: 'ai-deploy-demo',
  model: APP,
  stableVersion: '1.0.0',
  goodVersion: '1.1.0',
  badVersion: '1.2.0-bad',
  /** canary-deploy's first weight is the first step. */
  steps: '20,50,100',
  interval: '2s',
  stepDuration: '40s',
  rps: 100,
  tickMs: 500,
};

/**
 * The canary analysis: absolute bounds, judged every interval on counts over that interval, from the series
 * the gateway (Traefik) exports per backend Service: `{{target}}` becomes `<namespace>-agent-canary` or
 * `<namespace>-agent` (demoTargetNames) inside Traefik's service name `...-svc-<namespace>-<service>-<i>@kubernetesgateway`.
 */
export function demoMetrics() {
  const sel = 'service=~".*-svc-{{target}}-[0-9]+@kubernetesgateway"';
  return `- name: error-rate
  kind: ratio
  query: sum(increase(traefik_service_requests_total{${sel},code=~"5.."}[{{interval}}]))
  total: sum(increase(traefik_service_requests_total{${sel}}[{{interval}}]))
  max: 0.03
- name: latency-p95
  kind: value
  query: histogram_quantile(0.95, sum by (le) (increase(traefik_service_request_duration_seconds_bucket{${sel}}[{{interval}}])))
  max: 0.35
`;
}

export const demoTargetNames = (namespace) => `canary=${namespace}-${APP}-canary\nstable=${namespace}-${APP}`;

/** How the model versions behave when they serve: good ones barely err, the bad one errs and is slow. */
const behaviour = (o) => ({ errorRate: 0.005, latencyMs: 120, profiles: { [o.badVersion]: { errorRate: 0.08, latencyMs: 240 } } });

const hasCommand = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/**
 * Runs the whole demo. `log` gets every line (step logs, summaries); `keep` leaves the namespace for a
 * look afterwards; `signal` cancels like a cancelled workflow run (the running step is interrupted, the
 * rollback step and post steps still run). Always stops the traffic generator and the model endpoint;
 * the sandbox stays up.
 */
export async function runScenario(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const log = o.log ?? console.log;
  const env = o.env ?? sandboxEnv();
  const stages = [];
  const stage = async (name, fn) => {
    const started = performance.now();
    log(`\n=== ${name}`);
    try {
      return await fn();
    } finally {
      stages.push({ name, ms: performance.now() - started });
    }
  };

  const work = mkdtempSync(join(tmpdir(), 'ai-deploy-demo-'));
  const k = await connect(env.kubeconfigPath);
  const kubeconfig = readFileSync(env.kubeconfigPath, 'utf8');
  const registry = `s3://${o.bucket}/registry`;
  const image = `${env.registry}/ai-deploy-demo/${APP}`;
  let server;
  let traffic;
  const result = { runs: [], stages };
  try {
    await stage('setup: registry, metrics, stable 1.0.0, traffic', async () => {
      server = await startModelServer();
      await resetModelRegistry(env, o.bucket);
      await deleteSeries(env.prometheusUrl, `{app="${APP}",namespace="${o.namespace}"}`);
      await deleteNamespace(k, o.namespace);
      if (!env.raw?.GATEWAY_URL) throw new Error('the demo sends real traffic through the sandbox gateway, but the sandbox env file has no GATEWAY_URL: run `npm run sandbox -- up`');
      const gateway = { name: 'sandbox', namespace: 'ai-deploy-sandbox', hostname: `${o.namespace}.demo.test`, url: env.raw.GATEWAY_URL };
      await deployStable(k, { namespace: o.namespace, image: `${image}:${o.stableVersion}`, modelVersion: o.stableVersion, gateway, behaviour: behaviour(o) });
      log(`Deployment ${o.namespace}/${APP}: 3 replicas of ${image}:${o.stableVersion}, MODEL_VERSION=${o.stableVersion}; HTTPRoute ${APP} -> Service ${APP} (100%).`);
      const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
      traffic = new TrafficGenerator({
        readServing: () => readServing(k, o.namespace),
        cloudwatch: new CloudWatchClient(env.aws),
        rps: o.rps,
        tickMs: o.tickMs,
        gateway: { url: gateway.url, hostname: gateway.hostname },
        log,
      }).start();
      log(`Traffic: ${o.rps} req/s of real HTTP requests to ${gateway.url} (Host ${gateway.hostname}); Traefik routes them by the HTTPRoute weights, Prometheus scrapes Traefik; client-side counts -> CloudWatch AI/Agent (moto).`);
      // A few ticks of stable history before anything is judged against it.
      await new Promise((r) => setTimeout(r, 3000));
    });

    const jobEnv = runnerEnv(env, work);
    const builder = hasCommand('buildah') ? 'buildah' : undefined;
    if (!builder) log('\nNOTE: buildah is not on PATH: build-image is skipped and the canary runs the plain tag <registry>/ai-deploy-demo/agent:<version>.');
    const pipeline = (n, version, baseline) =>
      stage(`run ${n}: model ${version}`, async () => {
        const run = await runPipeline({ n, version, baseline, o, jobEnv, kubeconfig, registry, image, builder, server, work, log, prometheusUrl: env.prometheusUrl });
        // The cluster and the registry pointer as this run left them.
        run.after = { cluster: await describeCluster(k, o.namespace), pointer: await readPointer(env, o.bucket, o.model, 'production') };
        return run;
      });
    result.runs.push(await pipeline(1, o.goodVersion, ''));
    if (!o.signal?.aborted) result.runs.push(await pipeline(2, o.badVersion, 'production'));

    // The generator notices stable has all traffic on its next tick.
    for (let i = 0; i < 10 && traffic.firstBadCanaryAt !== undefined && traffic.canaryGoneAt === undefined; i++) await new Promise((r) => setTimeout(r, o.tickMs));
    result.timeToSafety = {
      firstBadCanaryAt: traffic.firstBadCanaryAt,
      allStableMs: traffic.allStableAt === undefined ? undefined : traffic.allStableAt - traffic.firstBadCanaryAt,
      canaryGoneMs: traffic.canaryGoneAt === undefined ? undefined : traffic.canaryGoneAt - traffic.firstBadCanaryAt,
      tickMs: o.tickMs,
    };
    result.timeline = traffic.timeline;
    result.traffic = traffic.totals;

    result.final = await stage('final state', async () => ({
      cluster: await describeCluster(k, o.namespace),
      pointer: await readPointer(env, o.bucket, o.model, 'production'),
      cloudwatch: await cloudwatchTotals(env, traffic.startedAt),
      trafficWriteErrors: traffic.writeErrors,
    }));
  } finally {
    await stage('cleanup', async () => {
      await traffic?.stop();
      await server?.stop();
      // Not waited for: the next run's setup waits until it is gone.
      if (!o.keep) await deleteNamespace(k, o.namespace, { wait: false }).catch((error) => log(`cleanup: ${error.message}`));
      rmSync(work, { recursive: true, force: true });
    });
  }
  return result;
}

/** One pipeline run, as one job of the README's workflow (with build-image and model-validate in front). */
async function runPipeline({ n, version, baseline, o, jobEnv, kubeconfig, registry, image, builder, server, work, log, prometheusUrl }) {
  const runId = `${Date.now()}${n}`;
  // The job's RUNNER_TEMP, inside the demo's work folder (removed at the end, as the runner empties it).
  const job = new Job(`run ${n}`, { ...jobEnv, GITHUB_RUN_ID: runId }, { log, signal: o.signal, runnerTemp: join(work, `runner-temp-${n}`) });
  const target = { deployment: APP, namespace: o.namespace, kubeconfig };
  const started = performance.now();

  let canaryImage = `${image}:${version}`;
  if (builder) {
    const build = await job.step('build-image', { context: 'demo/service', image, tags: version, 'build-args': `MODEL_VERSION=${version}`, builder, push: 'true' }, { id: 'build' });
    canaryImage = build.outputs.image || canaryImage;
  }
  await job.step(
    'model-validate',
    {
      registry,
      model: o.model,
      version,
      // Where an earlier step of the job (a download from training's storage) would have put the model.
      'model-path': modelFolder(job.runnerTemp, version),
      publish: 'true',
      framework: 'demo',
      suite: 'demo/suite.yml',
      endpoint: server.endpointFor(version),
      baseline,
      // 20 paired cases can show "no worse than production" only within about 16 points.
      margin: baseline ? '20%' : undefined,
    },
    { id: 'validate' },
  );
  const steps = o.steps.split(',');
  await job.step('canary-deploy', { ...target, image: canaryImage, 'model-version': version, 'traffic-router': 'gateway-api', route: APP, weight: steps[0], timeout: '60s' }, { id: 'canary' });
  const monitor = await job.step(
    'monitor-canary',
    { ...target, provider: 'prometheus', 'prometheus-url': prometheusUrl, steps: o.steps, interval: o.interval, 'step-duration': o.stepDuration, metrics: demoMetrics(), 'target-names': demoTargetNames(o.namespace) },
    { id: 'monitor' },
  );
  await job.step('promote', { ...target, registry, model: o.model, version, environment: 'production' }, { id: 'promote', if: (c) => c.success() && c.steps.monitor?.outputs.verdict === 'pass' });
  await job.step(
    'auto-rollback',
    { ...target, mode: 'canary', reason: monitor.outputs?.reason || 'deployment failed or was cancelled' },
    { id: 'rollback', if: (c) => c.failure() || c.cancelled() || c.steps.monitor?.outputs.verdict !== 'pass' },
  );
  await job.finish();

  const s = job.steps;
  return {
    n,
    version,
    image: canaryImage,
    verdict: s.monitor?.outputs.verdict,
    reason: s.monitor?.outputs.reason,
    decidedAfter: s.monitor?.outputs['decided-after'],
    promoted: s.promote?.outcome === 'success',
    rolledBack: s.rollback?.outcome === 'success' && s.rollback.outputs['rolled-back'] === 'true',
    jobFailed: job.failed,
    steps: Object.fromEntries(Object.entries(s).map(([id, r]) => [id, { outcome: r.outcome, ms: r.ms, outputs: r.outputs, errors: r.errors }])),
    timings: job.timings,
    ms: performance.now() - started,
  };
}

/** What the runner sets for every step (GITHUB_*), plus the sandbox's AWS endpoint and buildah's storage. */
function runnerEnv(env, work) {
  let sha = '0000000000000000000000000000000000000000';
  try {
    sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {}
  const storage = join(work, 'containers');
  mkdirSync(storage, { recursive: true });
  writeFileSync(join(storage, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${join(storage, 'root')}"\nrunroot = "${join(storage, 'run')}"\n`);
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REPOSITORY: 'org/ai-deploy-demo',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTOR: 'ai-deploy-demo',
    AWS_ENDPOINT_URL: env.aws.endpoint,
    AWS_REGION: env.aws.region,
    AWS_ACCESS_KEY_ID: env.aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: env.aws.credentials.secretAccessKey,
    CONTAINERS_STORAGE_CONF: join(storage, 'storage.conf'),
    BUILDAH_ISOLATION: 'chroot',
  };
}

/** A model version's files (what a training job would hand over), in `folder`/models/<version>: weights and a config. */
function modelFolder(folder, version) {
  const dir = join(folder, 'models', version);
  mkdirSync(join(dir, 'weights'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ name: APP, version, architecture: 'demo-tiny' }));
  writeFileSync(join(dir, 'weights', 'model.bin'), Buffer.alloc(64 * 1024, version));
  return dir;
}
