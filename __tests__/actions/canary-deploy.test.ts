import { beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { runInProcess } from '../support/run-step.js';
import { run } from '../../actions/canary-deploy/main.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { decodeCanaryState } from '../../shared/canary/state.js';
import { createStable, livePods, sandboxKubeconfig, deploymentSnapshot, useSandboxNamespaces } from '../k8s/support/sandbox-cluster.js';

const { cluster, ns } = useSandboxNamespaces();

const deploy = (inputs: Record<string, string>, env?: Record<string, string>) => runInProcess(run, { kubeconfig: sandboxKubeconfig(), ...inputs }, { env });
const get = (namespace: string, name: string) => cluster().find<V1Deployment>(deploymentRef(namespace, name));

describe('canary-deploy: bad inputs fail clearly and change nothing', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await ns('bad');
    await createStable(cluster(), namespace, 'model', { replicas: 2 });
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    ['unknown deployment', { deployment: 'nope', image: 'r.example/m:2' }, /Deployment 'nope' not found in namespace/],
    ['unknown namespace', { deployment: 'model', namespace: 'no-such-ns', image: 'r.example/m:2' }, /`namespace`: 'no-such-ns' does not exist/],
    ['unknown router', { 'traffic-router': 'linkerd', image: 'r.example/m:2' }, /Invalid `traffic-router`: 'linkerd'. Expected one of `replicas`/],
    ['missing route object', { 'traffic-router': 'gateway-api', route: 'no-route', image: 'r.example/m:2' }, /HTTPRoute 'no-route' not found/],
    ['weight 0', { weight: '0', image: 'r.example/m:2' }, /Invalid `weight`: '0'/],
    ['weight 100', { weight: '100', image: 'r.example/m:2' }, /Invalid `weight`: '100'/],
    ['weight NaN', { weight: 'NaN', image: 'r.example/m:2' }, /Invalid `weight`: 'NaN'/],
    ['weight 150', { weight: '150', image: 'r.example/m:2' }, /Invalid `weight`: '150'/],
    ['image with spaces', { image: 'r.example/m: 2 x' }, /Invalid `image`: 'r.example\/m: 2 x'/],
    ['no matching container', { container: 'sidecar', image: 'r.example/m:2' }, /Invalid `container`: 'sidecar'.*its containers: 'model'/],
    ['nothing new', {}, /Give `image`, `model-version` or both/],
    ['blue-green without a mesh', { strategy: 'blue-green', image: 'r.example/m:2' }, /blue-green.*not `replicas`/],
    ['route with replicas', { route: 'x', image: 'r.example/m:2' }, /`route` is not used with `traffic-router: replicas`/],
    ['bad kubeconfig', { kubeconfig: 'apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t-token-value}}]', image: 'r.example/m:2' }, /Invalid `kubeconfig`/],
  ];
  it.each(cases)('%s', async (_, inputs, message) => {
    const before = await deploymentSnapshot(cluster(), namespace, 'model');
    const r = await deploy({ deployment: 'model', namespace, ...inputs });
    expect(r.failed).toBe(true);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.stdout).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain('s3cr3t-token-value');
    expect(await deploymentSnapshot(cluster(), namespace, 'model')).toEqual(before);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
  });
});

describe('canary-deploy with the replicas router', () => {
  it('creates the canary from the stable template with the new image and model version, records state, and converges on a re-run', async () => {
    const namespace = await ns('rep');
    await createStable(cluster(), namespace, 'model', { replicas: 3, modelVersion: '1.0.0' });
    const attempt = (n: number) => ({ GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: String(n) });
    const r = await deploy({ deployment: 'model', namespace, image: 'r.example/model:2.0.0', 'model-version': '2.0.0', weight: '25' }, attempt(1));
    expect(r.errors).toEqual([]);
    expect(r.outputs).toEqual({ canary: 'model-canary', 'stable-image': 'registry.example/model:1.0.0', 'canary-image': 'r.example/model:2.0.0', weight: '25' });

    const canary = (await get(namespace, 'model-canary'))!;
    const c = canary.spec!.template.spec!.containers[0];
    expect(c.image).toBe('r.example/model:2.0.0');
    expect(c.env).toEqual([{ name: 'MODEL_VERSION', value: '2.0.0' }]);
    // Shares the stable Service's selector (app=model), told apart by the track label.
    expect(canary.spec!.template.metadata!.labels).toMatchObject({ app: 'model', 'ai-deploy.dev/track': 'canary' });
    expect(canary.spec!.replicas).toBe(1); // 1 of 4 pods = 25%
    expect(canary.status?.availableReplicas).toBe(1);

    const stable = (await get(namespace, 'model'))!;
    const state = decodeCanaryState(stable.metadata!.annotations)!;
    expect(state).toMatchObject({ phase: 'ready', canaryImage: 'r.example/model:2.0.0', stableImage: 'registry.example/model:1.0.0', modelVersion: '2.0.0', weight: 25 });
    expect(stable.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('1'); // annotations only: the stable never rolled
    expect(JSON.stringify(stable.metadata!.annotations)).not.toMatch(/client-key|BEGIN|token/);

    // A re-run is the run's next attempt (GitHub starts it once the first one ended): it inherits the lease.
    const again = await deploy({ deployment: 'model', namespace, image: 'r.example/model:2.0.0', 'model-version': '2.0.0', weight: '25' }, attempt(2));
    expect(again.failed).toBe(false);
    expect(again.stdout).toMatch(/already runs r.example\/model:2.0.0 at 25% traffic: nothing to change/);
    expect((await get(namespace, 'model-canary'))!.metadata!.generation).toBe(canary.metadata!.generation);
  });

  it('refuses a second, different canary while one is in progress, naming the one in progress', async () => {
    const namespace = await ns('lock');
    await createStable(cluster(), namespace, 'model', { replicas: 1 });
    expect((await deploy({ deployment: 'model', namespace, image: 'r.example/model:2' })).failed).toBe(false);
    const second = await deploy({ deployment: 'model', namespace, image: 'r.example/model:3' });
    expect(second.failed).toBe(true);
    expect(second.errors[0]).toMatch(/already in progress: model-canary \(image r.example\/model:2/);
    expect((await get(namespace, 'model-canary'))!.spec!.template.spec!.containers[0].image).toBe('r.example/model:2');
  });

  it('on a rollout timeout removes the canary, restores stable and names the pods that were not ready', async () => {
    const namespace = await ns('tmo');
    await createStable(cluster(), namespace, 'model', { replicas: 1, neverReady: true });
    const r = await deploy({ deployment: 'model', namespace, image: 'r.example/model:2', timeout: '3s' });
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toMatch(/did not become ready; stable serves all traffic again/);
    expect(r.errors[0]).toMatch(/pod model-canary-[a-z0-9-]+: phase \w+/);
    expect(await get(namespace, 'model-canary')).toBeUndefined();
    expect(await livePods(cluster(), namespace, 'ai-deploy.dev/canary-of=model')).toHaveLength(0);
    const stable = (await get(namespace, 'model'))!;
    expect(decodeCanaryState(stable.metadata!.annotations)).toBeUndefined();
    expect(stable.metadata!.annotations!['ai-deploy.dev/rollback-reason']).toMatch(/not rolled out within 3s/);
  });
});
