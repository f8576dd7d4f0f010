// Checks the local sandbox (npm run sandbox -- up) behaves like the real thing the actions talk to.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { CloudWatchClient, PutMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sandboxEnv } from '../sandbox/env.mjs';
import { startBackfilledPrometheus } from '../sandbox/prometheus-backfill.mjs';

const env = sandboxEnv();
const kc = new k8s.KubeConfig();
kc.loadFromFile(env.kubeconfigPath);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const crdApi = kc.makeApiClient(k8s.ApiextensionsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const namespace = `sandbox-test-${Date.now().toString(36)}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
const condition = (conds: Array<{ type: string; status: string; reason?: string }> | undefined, type: string) =>
  conds?.find((c) => c.type === type);

function deployment(name: string, image: string, podLabels: Record<string, string> = {}, extra: Partial<k8s.V1DeploymentSpec> = {}): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...podLabels } },
        spec: { containers: [{ name: 'server', image }] },
      },
      ...extra,
    },
  };
}

function job(name: string, labels: Record<string, string> = {}): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'registry.invalid/smoke:1' }] },
      },
    },
  };
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('sandbox Kubernetes', () => {
  it('has two Ready kwok nodes', async () => {
    const nodes = await core.listNode();
    const kwok = nodes.items.filter((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake');
    expect(kwok.length).toBeGreaterThanOrEqual(2);
    for (const n of kwok) expect(condition(n.status?.conditions, 'Ready')?.status).toBe('True');
  });

  it('rolls a Deployment out through real ReplicaSets, pods and revisions', async () => {
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 'model-server:1') });
    const rolledOut = (gen: number) => async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      const s = d.status;
      return (s?.observedGeneration ?? 0) >= gen && s?.updatedReplicas === 2 && s?.readyReplicas === 2 &&
        s?.availableReplicas === 2 && !s?.unavailableReplicas && (s?.replicas ?? 0) === 2 ? d : null;
    };
    const d1 = await waitFor('first rollout', rolledOut(1));
    expect(d1.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(condition(d1.status?.conditions, 'Progressing')?.reason).toBe('NewReplicaSetAvailable');

    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(2);
    for (const p of pods.items) {
      expect(p.spec?.nodeName).toMatch(/^kwok-node-/);
      expect(p.status?.phase).toBe('Running');
      expect(condition(p.status?.conditions, 'Ready')?.status).toBe('True');
      expect(p.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
    }

    await apps.patchNamespacedDeployment(
      { name: 'web', namespace, body: { spec: { template: { spec: { containers: [{ name: 'server', image: 'model-server:2' }] } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    const d2 = await waitFor('second rollout', rolledOut(2));
    expect(d2.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const rss = await waitFor('old ReplicaSet scaled to 0', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=web' });
      return list.items.length === 2 && list.items.every((rs) => rs.status?.replicas === (rs.spec?.template?.spec?.containers[0].image === 'model-server:2' ? 2 : 0)) ? list : null;
    });
    const revisions = rss.items.map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    expect(revisions).toEqual(['1', '2']);
  });

  it('keeps a never-ready pod Running but not Ready, so the rollout misses its deadline', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('stuck', 'model-server:bad', { 'ai-deploy.test/never-ready': 'true' }, { replicas: 1, progressDeadlineSeconds: 3 }),
    });
    const d = await waitFor('ProgressDeadlineExceeded', async () => {
      const x = await apps.readNamespacedDeployment({ name: 'stuck', namespace });
      return condition(x.status?.conditions, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? x : null;
    });
    expect(d.status?.readyReplicas ?? 0).toBe(0);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=stuck' });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].status?.phase).toBe('Running');
    expect(condition(pods.items[0].status?.conditions, 'Ready')?.status).toBe('False');
    expect(pods.items[0].status?.containerStatuses?.[0]?.ready).toBe(false);
  });

  it('completes a Job, fails a job-fails Job and leaves a job-hangs Job running', async () => {
    await batch.createNamespacedJob({ namespace, body: job('ok') });
    await batch.createNamespacedJob({ namespace, body: job('bad', { 'ai-deploy.test/job-fails': 'true' }) });
    await batch.createNamespacedJob({ namespace, body: job('hang', { 'ai-deploy.test/job-hangs': 'true' }) });
    const finished = (name: string, type: string) => async () => {
      const j = await batch.readNamespacedJob({ name, namespace });
      return condition(j.status?.conditions, type)?.status === 'True' ? j : null;
    };
    const ok = await waitFor('Job complete', finished('ok', 'Complete'));
    expect(ok.status?.succeeded).toBe(1);
    const bad = await waitFor('Job failed', finished('bad', 'Failed'));
    expect(bad.status?.failed).toBe(1);
    const hang = await batch.readNamespacedJob({ name: 'hang', namespace });
    expect(hang.status?.active).toBe(1);
    expect(condition(hang.status?.conditions, 'Complete')).toBeUndefined();
    expect(condition(hang.status?.conditions, 'Failed')).toBeUndefined();
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'job-name=hang' });
    expect(pods.items[0]?.status?.phase).toBe('Running');
  });

  it('serves the traffic-router CRDs: Gateway API and Istio from the upstream modules pinned in the Go tools modules, TrafficSplit open', async () => {
    for (const name of ['httproutes.gateway.networking.k8s.io', 'virtualservices.networking.istio.io', 'trafficsplits.split.smi-spec.io']) {
      const crd = await crdApi.readCustomResourceDefinition({ name });
      expect(condition(crd.status?.conditions, 'Established')?.status).toBe('True');
    }
    const goMod = (dir: string) => readFileSync(new URL(`../sandbox/${dir}/go.mod`, import.meta.url), 'utf8');
    const pinned = (dir: string, module: string) => new RegExp(`(?:^|\\s)${module.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(goMod(dir))![1];
    const source = async (name: string) => (await crdApi.readCustomResourceDefinition({ name })).metadata!.annotations!['ai-deploy.dev/sandbox-crd-source'];
    expect(await source('httproutes.gateway.networking.k8s.io')).toBe(`sigs.k8s.io/gateway-api@${pinned('traefik-tool', 'sigs.k8s.io/gateway-api')} config/crd/standard/gateway.networking.k8s.io_httproutes.yaml`);
    expect(await source('virtualservices.networking.istio.io')).toBe(`istio.io/api@${pinned('crd-tool', 'istio.io/api')} kubernetes/customresourcedefinitions.gen.yaml`);
    const cases = [{ group: 'split.smi-spec.io', version: 'v1alpha2', plural: 'trafficsplits', kind: 'TrafficSplit' }];
    for (const c of cases) {
      const body = { apiVersion: `${c.group}/${c.version}`, kind: c.kind, metadata: { name: 'r' }, spec: { weights: [90, 10] } };
      await custom.createNamespacedCustomObject({ group: c.group, version: c.version, namespace, plural: c.plural, body });
      const got = await custom.getNamespacedCustomObject({ group: c.group, version: c.version, namespace, plural: c.plural, name: 'r' });
      expect(got.spec).toEqual({ weights: [90, 10] });
    }
  });

  it('serves the upstream KEDA ScaledObject CRD with its schema enforced (a ScaledObject without triggers is refused)', async () => {
    const crd = await crdApi.readCustomResourceDefinition({ name: 'scaledobjects.keda.sh' });
    expect(condition(crd.status?.conditions, 'Established')?.status).toBe('True');
    const so = (name: string, triggers?: object[]) => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name },
      spec: { scaleTargetRef: { name: 'model' }, minReplicaCount: 2, maxReplicaCount: 10, ...(triggers ? { triggers } : {}) },
    });
    const args = { group: 'keda.sh', version: 'v1alpha1', namespace, plural: 'scaledobjects' };
    await custom.createNamespacedCustomObject({ ...args, body: so('ok', [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }]) });
    expect((await custom.getNamespacedCustomObject({ ...args, name: 'ok' })).spec.minReplicaCount).toBe(2);
    await expect(custom.createNamespacedCustomObject({ ...args, body: so('bad') })).rejects.toThrow(/spec.triggers: Required value/);
  });

  it('serves metrics.k8s.io through the aggregator: a pod\'s CPU usage is its kwok.x-k8s.io/usage-cpu annotation, as metrics-server scraped it from kwok', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('busy', 'model-server:1', {}, { replicas: 1, template: { metadata: { labels: { app: 'busy' }, annotations: { 'kwok.x-k8s.io/usage-cpu': '250m' } }, spec: { containers: [{ name: 'server', image: 'model-server:1' }] } } }),
    });
    const args = { group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods' };
    // metrics-server needs two samples 10 s apart for a pod's CPU rate.
    const pods = await waitFor('pod metrics of busy', async () => {
      const list = (await custom.listNamespacedCustomObject({ ...args, labelSelector: 'app=busy' })) as { items: Array<{ containers: Array<{ name: string; usage: { cpu: string } }> }> };
      return list.items.length === 1 ? list.items : null;
    }, 60_000);
    const cpu = pods[0].containers[0].usage.cpu; // nanocores, e.g. "249998310n"
    expect(cpu).toMatch(/^\d+n$/);
    expect(Math.abs(parseInt(cpu, 10) / 1e6 - 250)).toBeLessThan(25); // a rate over two samples: within 10% (sampling-time jitter)
  }, 90_000);
});

describe('sandbox Prometheus', () => {
  it('is ready and answers queries', async () => {
    const ready = await fetch(`${env.prometheusUrl}/-/ready`);
    expect(ready.status).toBe(200);
    const q = (await (await fetch(`${env.prometheusUrl}/api/v1/query?query=vector(42)`)).json()) as { data: { result: { value: [number, string] }[] } };
    expect(q.data.result[0].value[1]).toBe('42');
  });

  it('starts a backfilled instance on demand', async () => {
    const now = Math.floor(Date.now() / 1000);
    let om = '# TYPE requests counter\n';
    for (let i = 40; i >= 0; i--) om += `requests_total{code="200"} ${(40 - i) * 30} ${now - i * 15}\n`;
    const prom = await startBackfilledPrometheus(`${om}# EOF\n`);
    try {
      const q = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent("rate(requests_total[2m])")}&time=${now}`)).json()) as { data: { result: { value: [number, string] }[] } };
      expect(Number(q.data.result[0].value[1])).toBeCloseTo(2, 5);
    } finally {
      await prom.stop();
    }
  });
});

describe('sandbox moto', () => {
  it('stores S3 objects and CloudWatch metrics', async () => {
    const s3 = new S3Client(env.aws);
    const bucket = `sandbox-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');

    const cw = new CloudWatchClient(env.aws);
    const ns = `Sandbox/${bucket}`;
    await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: 'Latency', Value: 12, Unit: 'Milliseconds' }] }));
    const list = await cw.send(new ListMetricsCommand({ Namespace: ns }));
    expect(list.Metrics?.map((m) => m.MetricName)).toEqual(['Latency']);
  });
});

describe('sandbox registries', () => {
  it('answers /v2/ without auth on the open registry', async () => {
    const r = await fetch(`http://${env.registry}/v2/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('demands basic auth on the auth registry and stores a manifest', async () => {
    const base = `http://${env.registryAuth.host}/v2`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from(`${env.registryAuth.user}:${env.registryAuth.password}`).toString('base64')}` };
    expect((await fetch(`${base}/`, { headers: auth })).status).toBe(200);

    const repo = `sandbox/test-${Date.now().toString(36)}`;
    const digest = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const config = Buffer.from('{}');
    const start = await fetch(`${base}/${repo}/blobs/uploads/`, { method: 'POST', headers: auth });
    expect(start.status).toBe(202);
    const loc = new URL(start.headers.get('location')!, base);
    loc.searchParams.set('digest', digest(config));
    const put = await fetch(loc, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: config });
    expect(put.status).toBe(201);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(config), size: config.length },
      layers: [],
    }));
    const type = 'application/vnd.oci.image.manifest.v1+json';
    const m = await fetch(`${base}/${repo}/manifests/v1`, { method: 'PUT', headers: { ...auth, 'content-type': type }, body: manifest });
    expect(m.status).toBe(201);
    const head = await fetch(`${base}/${repo}/manifests/v1`, { method: 'HEAD', headers: { ...auth, accept: type } });
    expect(head.headers.get('docker-content-digest')).toBe(digest(manifest));
  });
});
