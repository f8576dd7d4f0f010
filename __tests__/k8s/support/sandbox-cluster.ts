import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { afterAll, beforeAll } from '@jest/globals';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { sandboxEnv } from '../../../sandbox/env.mjs';
import type { Cluster } from '../../../shared/k8s/cluster.js';
import { connectCluster } from '../../../shared/k8s/client.js';
import { deploymentRef, namespaceRef, serviceRef } from '../../../shared/k8s/objects.js';
import { waitForRollout } from '../../../shared/k8s/rollout.js';

/**
 * The sandbox's kubeconfig contents, as a user would pass them in the `kubeconfig` input. (Falls back
 * to the sandbox's fixed path while its env file lacks KUBECONFIG.)
 */
export function sandboxKubeconfig(): string {
  let path: string;
  try {
    path = sandboxEnv().kubeconfigPath;
  } catch {
    path = join(process.env.AI_DEPLOY_SANDBOX_HOME ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ai-deploy-sandbox'), 'run', 'kubeconfig');
  }
  return readFileSync(path, 'utf8');
}

export async function sandboxCluster(): Promise<Cluster> {
  return connectCluster(sandboxKubeconfig());
}

/** A fresh namespace for one test (deleted by `dropNamespace`). */
export async function freshNamespace(cluster: Cluster, prefix: string): Promise<string> {
  const name = `t-${prefix}-${randomBytes(3).toString('hex')}`;
  await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

export async function dropNamespace(cluster: Cluster, name: string): Promise<void> {
  await cluster.remove(namespaceRef(name));
}

/**
 * For a spec file that makes a fresh namespace per test: connects to the sandbox before all tests and
 * drops every namespace made by `ns` after them. Call at the top level of the file.
 */
export function useSandboxNamespaces(): { cluster: () => Cluster; ns: (prefix: string) => Promise<string> } {
  let connected: Cluster | undefined;
  const namespaces: string[] = [];
  const cluster = (): Cluster => {
    if (!connected) throw new Error('sandbox cluster used before beforeAll connected it');
    return connected;
  };
  beforeAll(async () => {
    connected = await sandboxCluster();
  });
  afterAll(async () => {
    await Promise.all(namespaces.map((n) => dropNamespace(cluster(), n)));
  });
  const ns = async (prefix: string): Promise<string> => {
    const name = await freshNamespace(cluster(), prefix);
    namespaces.push(name);
    return name;
  };
  return { cluster, ns };
}

export interface StableOptions {
  replicas?: number;
  image?: string;
  /** Pods of this Deployment (and every copy of its template) never become Ready (kwok stage). */
  neverReady?: boolean;
  modelVersion?: string;
  containers?: string[];
}

/** A stable Deployment `name` with label app=<name>, a Service `name` selecting it, rolled out. */
export async function createStable(cluster: Cluster, namespace: string, name: string, o: StableOptions = {}): Promise<V1Deployment> {
  const labels: Record<string, string> = { app: name, ...(o.neverReady ? { 'ai-deploy.test/never-ready': 'true' } : {}) };
  const containers = (o.containers ?? ['model']).map((c) => ({
    name: c,
    image: o.image ?? 'registry.example/model:1.0.0',
    ports: [{ containerPort: 8080, name: 'http' }],
    ...(o.modelVersion && c === (o.containers?.[0] ?? 'model') ? { env: [{ name: 'MODEL_VERSION', value: o.modelVersion }] } : {}),
  }));
  await cluster.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: { replicas: o.replicas ?? 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers } } },
  });
  await cluster.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  });
  if (o.neverReady) return cluster.get(deploymentRef(namespace, name));
  return waitForRollout(cluster, namespace, name, 60_000);
}

export const getDeploymentObj = (cluster: Cluster, namespace: string, name: string) => cluster.find<V1Deployment>(deploymentRef(namespace, name));
export const getService = (cluster: Cluster, namespace: string, name: string) => cluster.find(serviceRef(namespace, name));

/** Pods carrying the given label selector that are not being deleted. */
/** An HTTPRoute `model` on gateway `gw` sending all traffic to Service `model`: what the gateway-api router takes over. */
export async function createModelRoute(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.create({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'model', namespace },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'model', port: 80 }] }] },
  });
}

/** The user's nginx Ingress `model` in front of Service `model` (what the nginx router's canary Ingress shadows). */
export async function createModelIngress(cluster: Cluster, namespace: string, host = 'model.example'): Promise<void> {
  await cluster.create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'model', namespace },
    spec: { ingressClassName: 'nginx', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'model', port: { number: 80 } } } }] } }] },
  });
}

export async function livePods(cluster: Cluster, namespace: string, selector: string) {
  return (await cluster.list('v1', 'Pod', namespace, selector)).filter((p) => !p.metadata?.deletionTimestamp);
}

/**
 * What an action could change on a Deployment: its generation (spec), annotations and pod template.
 * Compare these to prove "nothing changed"; resourceVersion also moves when the controller writes status.
 */
export async function deploymentSnapshot(cluster: Cluster, namespace: string, name: string): Promise<unknown> {
  const d = await cluster.get<V1Deployment>(deploymentRef(namespace, name));
  return { generation: d.metadata?.generation, annotations: d.metadata?.annotations ?? {}, template: d.spec?.template };
}
