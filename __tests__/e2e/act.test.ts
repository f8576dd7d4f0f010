import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { decodeCanaryState } from '../../shared/canary/state.js';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef, serviceRef } from '../../shared/k8s/objects.js';
import { writeTraffic, type Traffic } from '../actions/monitor-canary-support.js';
import { buildahEnv, registries, skopeoDigest, tempDir, uniqueRepository } from '../image/support.js';
import { createModelRoute, createStable, sandboxKubeconfig, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';
import { uniqueApp } from '../metrics/support/prometheus-history.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { ModelServer } from '../support/model-server.js';
import { releaseCopy, runAct, userRepository, type ActRun } from '../support/run-act.js';
import { jsonl } from '../validation/fixtures.js';

/**
 * The six actions run unchanged under nektos/act, the way users try a workflow on their own machine: a user's
 * repository (committed, so act derives GITHUB_SHA and GITHUB_REF from it) whose workflow says
 * `uses: org/ai-deploy/<action>@v1`, resolved by act's `--local-repository` to a copy of what a release tag
 * holds (the action folders and dist/). Host mode, as no Docker runs here. Everything real: buildah and the
 * sandbox registry, a model endpoint, the sandbox API server and Prometheus; outputs flow between steps through
 * act's expression engine, `if:` conditions choose promote or rollback, and act runs the post steps.
 */

const WORKFLOW = `name: deploy
on:
  workflow_dispatch:
    inputs:
      image: {description: Image repository, required: true}
      version: {description: Model version, required: true}
      endpoint: {description: Model endpoint to validate, required: true}
      namespace: {description: Namespace of the stable Deployment, required: true}
      app: {description: The app label of the service's request metrics, required: true}
      prometheus-url: {description: Prometheus, required: true}
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: build
        uses: org/ai-deploy/build-image@v1
        with:
          image: \${{ inputs.image }}
          tags: \${{ inputs.version }}
          build-args: MODEL_VERSION=\${{ inputs.version }}
          builder: buildah
          registry-username: \${{ secrets.REGISTRY_USER }}
          registry-password: \${{ secrets.REGISTRY_PASSWORD }}
      - id: validate
        uses: org/ai-deploy/model-validate@v1
        with:
          suite: eval/qa.jsonl
          endpoint: \${{ inputs.endpoint }}
          threshold: 60%
      - id: canary
        uses: org/ai-deploy/canary-deploy@v1
        with:
          kubeconfig: \${{ secrets.KUBECONFIG }}
          deployment: model
          namespace: \${{ inputs.namespace }}
          image: \${{ steps.build.outputs.image }}
          model-version: \${{ inputs.version }}
          traffic-router: gateway-api
          route: model
          weight: 10
      - id: monitor
        uses: org/ai-deploy/monitor-canary@v1
        with:
          kubeconfig: \${{ secrets.KUBECONFIG }}
          deployment: model
          namespace: \${{ inputs.namespace }}
          prometheus-url: \${{ inputs.prometheus-url }}
          steps: 20,40
          interval: 2s
          step-duration: 20s
          metrics: |
            - name: error-rate
              kind: ratio
              query: sum(increase(http_requests_total{app="\${{ inputs.app }}",version="{{target}}",code="500"}[{{interval}}]))
              total: sum(increase(http_requests_total{app="\${{ inputs.app }}",version="{{target}}"}[{{interval}}]))
              max-increase: 50%
              max: 0.05
      - id: promote
        if: steps.monitor.outputs.verdict == 'pass'
        uses: org/ai-deploy/promote@v1
        with:
          kubeconfig: \${{ secrets.KUBECONFIG }}
          deployment: model
          namespace: \${{ inputs.namespace }}
      - id: rollback
        if: failure() || cancelled()
        uses: org/ai-deploy/auto-rollback@v1
        with:
          kubeconfig: \${{ secrets.KUBECONFIG }}
          deployment: model
          namespace: \${{ inputs.namespace }}
          mode: canary
          reason: monitor-canary said \${{ steps.monitor.outputs.verdict }}
      - if: always()
        run: echo "pipeline image=\${{ steps.build.outputs.image }} digest=\${{ steps.build.outputs.digest }} verdict=\${{ steps.monitor.outputs.verdict }} validate=\${{ steps.validate.outputs.verdict }} promote=\${{ steps.promote.outcome }} rollback=\${{ steps.rollback.outcome }}"
`;

const ANSWERS = { 'Capital of France?': 'The capital of France is Paris.' };

/** The credential values of a kubeconfig: what must never appear in a log. */
function credentials(kubeconfig: string): string[] {
  return [...kubeconfig.matchAll(/^\s*(?:token|client-key-data|client-certificate-data|password):\s*(\S+)/gm)].map((m) => m[1]);
}

const sandbox = useSandboxNamespaces();
const server = new ModelServer({ answers: ANSWERS });
let cluster: Cluster;
let release: string;
let repo: string;
let promUrl: string;
const kubeconfig = sandboxKubeconfig();
const { auth } = registries();

beforeAll(async () => {
  cluster = sandbox.cluster();
  promUrl = await prometheusUrl();
  await server.start();
  release = releaseCopy();
  repo = userRepository({
    '.github/workflows/deploy.yml': WORKFLOW,
    Dockerfile: 'FROM scratch\nARG MODEL_VERSION=unset\nLABEL model.version=$MODEL_VERSION\nCOPY model.txt /srv/model.txt\n',
    'model.txt': 'weights\n',
    // Eight passing cases: a Wilson lower bound of 67.6%, above the workflow's 60% threshold.
    'eval/qa.jsonl': jsonl(Array.from({ length: 8 }, (_, i) => ({ id: `capital-${i}`, input: 'Capital of France?', assert: [{ contains: 'Paris' }] }))),
  });
});
afterAll(() => server.stop());

const stable = (namespace: string) => cluster.get<V1Deployment>(deploymentRef(namespace, 'model'));
const routeWeights = async (namespace: string) =>
  Object.fromEntries(
    ((await cluster.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace, name: 'model' })).spec.rules[0].backendRefs as { name: string; weight: number }[]).map((b) => [b.name, b.weight]),
  );

/** Runs the workflow for model `version` against a fresh stable `model` (1.0.0) behind HTTPRoute `model`, with the canary's traffic as given. */
async function deploy(prefix: string, version: string, canary: Traffic): Promise<{ run: ActRun; namespace: string; repository: string; routeBefore: Record<string, number> }> {
  const namespace = await sandbox.ns(prefix);
  await createStable(cluster, namespace, 'model', { replicas: 2, modelVersion: '1.0.0' });
  await createModelRoute(cluster, namespace);
  const routeBefore = await routeWeights(namespace); // as the API server stored it (the CRD's default weight)
  const app = uniqueApp(prefix);
  await writeTraffic(promUrl, app, { stable: { requests: 5000, errors: 50 }, canary }, 300);
  const repository = uniqueRepository(prefix);
  const noLogins = join(tempDir(), 'auth.json');
  writeFileSync(noLogins, '{"auths":{}}');
  const run = await runAct(repo, '.github/workflows/deploy.yml', {
    release,
    inputs: { image: `${auth.host}/${repository}`, version, endpoint: server.chatUrl('deterministic'), namespace, app, 'prometheus-url': promUrl },
    secrets: { KUBECONFIG: kubeconfig, REGISTRY_USER: auth.credentials.username, REGISTRY_PASSWORD: auth.credentials.password },
    env: { ...buildahEnv(), DOCKER_CONFIG: tempDir(), REGISTRY_AUTH_FILE: noLogins, XDG_RUNTIME_DIR: tempDir() },
  });
  return { run, namespace, repository, routeBefore };
}

function explain(run: ActRun): string {
  return `\n--- act output (last 6000 characters)\n${run.output.slice(-6000)}`;
}

describe('the six actions under nektos/act, from a user workflow that says org/ai-deploy/<action>@v1', () => {
  it('builds, validates, runs a good canary through its steps and promotes it; every step succeeds and outputs reach later steps', async () => {
    const { run, namespace, repository, routeBefore } = await deploy('act-good', '2.0.0', { requests: 5000, errors: 50 });
    try {
      expect(run.exitCode).toBe(0);
      const digest = skopeoDigest(auth, `${repository}:2.0.0`);
      const [summary] = run.linesOf('Main echo "pipeline');
      expect(summary).toBe(`pipeline image=${auth.host}/${repository}@${digest} digest=${digest} verdict=pass validate=pass promote=success rollback=skipped`);
      // The image build-image pushed is what promote left stable running, with the model version canary-deploy recorded.
      const d = await stable(namespace);
      expect(d.spec!.template.spec!.containers[0].image).toBe(`${auth.host}/${repository}@${digest}`);
      expect(d.spec!.template.spec!.containers[0].env).toEqual(expect.arrayContaining([{ name: 'MODEL_VERSION', value: '2.0.0' }]));
      expect(decodeCanaryState(d.metadata!.annotations)).toBeUndefined();
      expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
      expect(await routeWeights(namespace)).toEqual(routeBefore);
      // act ran canary-deploy's post step, which found a finished canary and left it alone.
      expect(run.output).toMatch(/Success - Post org\/ai-deploy\/canary-deploy@v1/);
      for (const value of credentials(kubeconfig)) expect(run.output.includes(value)).toBe(false);
    } catch (error) {
      (error as Error).message += explain(run);
      throw error;
    }
  }, 300_000);

  it('fails a bad canary at its first step, rolls it back through `if: failure()`, and the job fails: stable keeps 1.0.0 and all traffic', async () => {
    const { run, namespace, routeBefore } = await deploy('act-bad', '2.1.0', { requests: 5000, errors: 1000 });
    try {
      expect(run.exitCode).not.toBe(0);
      // (act shows `::error::` text still escaped, `%` as `%25`: the step's `reason` output reads as users see it on GitHub.)
      expect(run.output).toMatch(/::set-output:: reason=at 20%: error-rate: canary 20% vs control 1%/);
      const [summary] = run.linesOf('Main echo "pipeline');
      expect(summary).toMatch(/ verdict=fail validate=pass promote=skipped rollback=success$/);
      const d = await stable(namespace);
      expect(d.spec!.template.spec!.containers[0].image).toBe('registry.example/model:1.0.0');
      expect(decodeCanaryState(d.metadata!.annotations)).toBeUndefined();
      expect(d.metadata!.annotations!['ai-deploy.dev/rollback-reason']).toBe('monitor-canary said fail');
      expect(await cluster.find(deploymentRef(namespace, 'model-canary'))).toBeUndefined();
      expect(await cluster.find(serviceRef(namespace, 'model-canary'))).toBeUndefined();
      expect(await routeWeights(namespace)).toEqual(routeBefore);
      for (const value of credentials(kubeconfig)) expect(run.output.includes(value)).toBe(false);
    } catch (error) {
      (error as Error).message += explain(run);
      throw error;
    }
  }, 300_000);
});
