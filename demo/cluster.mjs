// The demo's view of the sandbox cluster: set the stable service up, read what the traffic generator
// needs (who serves, at what weight), describe the final state, clean up. Plain client-node calls:
// this is the demo's own harness, not the product (the actions do all the deploying).
import { readFileSync } from 'node:fs';

export const APP = 'agent';
const ROUTE = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes' };
const CANARY = `${APP}-canary`;

/** Clients for the sandbox cluster, from its kubeconfig file. */
export async function connect(kubeconfigPath) {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromString(readFileSync(kubeconfigPath, 'utf8'));
  return { core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}

const notFound = (error) => error?.code === 404;
const orUndefined = (promise) => promise.catch((error) => (notFound(error) ? undefined : Promise.reject(error)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Deletes the namespace (if any) and, unless `wait` is false, waits until it is gone (a fresh start). */
export async function deleteNamespace(k, namespace, { wait = true, timeoutMs = 60_000 } = {}) {
  await orUndefined(k.core.deleteNamespace({ name: namespace }));
  if (!wait) return;
  const deadline = Date.now() + timeoutMs;
  while (await orUndefined(k.core.readNamespace({ name: namespace }))) {
    if (Date.now() > deadline) throw new Error(`namespace ${namespace} still terminating after ${timeoutMs / 1000}s`);
    await sleep(250);
  }
}

/**
 * The service as it runs before any pipeline: namespace, Deployment `agent` (container `agent`,
 * MODEL_VERSION), Service `agent`, and an HTTPRoute `agent` sending 100% to it. Waits for the pods.
 * With `gateway` ({name, namespace, hostname}) the pods serve (sandbox annotation; behaviour per version
 * from `behaviour`: {errorRate, latencyMs, profiles}) and the route hangs on the sandbox gateway.
 */
export async function deployStable(k, { namespace, image, modelVersion, replicas = 3, gateway, behaviour }) {
  await k.core.createNamespace({ body: { metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': 'ai-deploy-demo' } } } });
  const labels = { app: APP };
  await k.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: APP, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, ...(gateway ? { annotations: { 'ai-deploy.test/serve': 'model-server' } } : {}) },
          spec: { containers: [{ name: APP, image, env: [{ name: 'MODEL_VERSION', value: modelVersion }, ...behaviourEnv(behaviour)], ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  });
  await k.core.createNamespacedService({ namespace, body: { metadata: { name: APP, labels }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } });
  await k.custom.createNamespacedCustomObject({
    ...ROUTE,
    namespace,
    body: {
      apiVersion: `${ROUTE.group}/${ROUTE.version}`,
      kind: 'HTTPRoute',
      metadata: { name: APP },
      spec: gateway
        ? {
          parentRefs: [{ name: gateway.name, namespace: gateway.namespace }],
          hostnames: [gateway.hostname],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: APP, port: 80, weight: 100 }] }],
        }
        : { parentRefs: [{ name: 'demo-gateway' }], rules: [{ backendRefs: [{ name: APP, port: 80, weight: 100 }] }] },
    },
  });
  await waitReady(k, namespace, APP, replicas);
}

/** The sandbox model server's env for a behaviour: defaults, and per version (a canary only changes MODEL_VERSION). */
function behaviourEnv(b) {
  if (!b) return [];
  return [
    { name: 'MODEL_ERROR_RATE', value: String(b.errorRate) },
    { name: 'MODEL_LATENCY_MS', value: String(b.latencyMs) },
    { name: 'MODEL_PROFILES', value: JSON.stringify(b.profiles ?? {}) },
  ];
}

async function waitReady(k, namespace, name, replicas, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await k.apps.readNamespacedDeployment({ name, namespace });
    if ((d.status?.readyReplicas ?? 0) >= replicas && d.status?.observedGeneration >= d.metadata.generation) return;
    if (Date.now() > deadline) throw new Error(`${namespace}/${name}: ${d.status?.readyReplicas ?? 0}/${replicas} ready after ${timeoutMs / 1000}s`);
    await sleep(200);
  }
}

function version(deployment) {
  if (!deployment) return undefined;
  const container = deployment.spec.template.spec.containers.find((c) => c.name === APP) ?? deployment.spec.template.spec.containers[0];
  return {
    image: container.image,
    modelVersion: container.env?.find((e) => e.name === 'MODEL_VERSION')?.value ?? '',
    ready: deployment.status?.readyReplicas ?? 0,
  };
}

/** The HTTPRoute's backends as {service: weight}. */
function routeWeights(route) {
  const weights = {};
  for (const rule of route?.spec?.rules ?? []) for (const b of rule.backendRefs ?? []) weights[b.name] = (weights[b.name] ?? 0) + Number(b.weight ?? 1);
  return weights;
}

/**
 * What serves traffic now: the stable and canary versions (undefined when a Deployment is absent) and
 * the canary's share of requests, from the HTTPRoute weights.
 */
export async function readServing(k, namespace) {
  const [stable, canary, route] = await Promise.all([
    orUndefined(k.apps.readNamespacedDeployment({ name: APP, namespace })),
    orUndefined(k.apps.readNamespacedDeployment({ name: CANARY, namespace })),
    orUndefined(k.custom.getNamespacedCustomObject({ ...ROUTE, namespace, name: APP })),
  ]);
  const weights = routeWeights(route);
  const total = Object.values(weights).reduce((a, b) => a + b, 0);
  const share = total > 0 ? (weights[CANARY] ?? 0) / total : 0;
  return { stable: version(stable), canary: version(canary), canaryShare: share, weights };
}

/** The state worth showing at the end: Deployments, ReplicaSets, route weights, the recorded annotations. */
export async function describeCluster(k, namespace) {
  const [deployments, replicaSets, services, route] = await Promise.all([
    k.apps.listNamespacedDeployment({ namespace }),
    k.apps.listNamespacedReplicaSet({ namespace }),
    k.core.listNamespacedService({ namespace }),
    orUndefined(k.custom.getNamespacedCustomObject({ ...ROUTE, namespace, name: APP })),
  ]);
  return {
    deployments: deployments.items.map((d) => ({
      name: d.metadata.name,
      replicas: d.spec.replicas,
      ready: d.status?.readyReplicas ?? 0,
      ...version(d),
      annotations: Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([key]) => key.startsWith('ai-deploy.dev/'))),
    })),
    replicaSets: replicaSets.items.map((rs) => ({
      name: rs.metadata.name,
      owner: rs.metadata.ownerReferences?.[0]?.name,
      revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
      replicas: rs.spec.replicas,
      ...version({ spec: { template: rs.spec.template }, status: rs.status }),
    })),
    services: services.items.map((s) => s.metadata.name),
    routeWeights: routeWeights(route),
  };
}
