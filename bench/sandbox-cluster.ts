import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectCluster } from '../shared/k8s/client.js';
import type { Cluster } from '../shared/k8s/cluster.js';
import { waitForRollout } from '../shared/k8s/rollout.js';

/** The sandbox's kubeconfig file (the benches run against the sandbox, like the specs). */
export const kubeconfigPath = join(process.env.AI_DEPLOY_SANDBOX_HOME ?? join(homedir(), '.cache', 'ai-deploy-sandbox'), 'run', 'kubeconfig');

/** The sandbox cluster and a fresh namespace name for one bench run. */
export async function benchCluster(prefix: string): Promise<{ cluster: Cluster; namespace: string }> {
  return { cluster: await connectCluster(readFileSync(kubeconfigPath, 'utf8')), namespace: `bench-${prefix}-${Date.now().toString(36)}` };
}

/** Creates `namespace` and a stable Deployment `model` of `replicas` (with a named `http` port when asked), rolled out. */
export async function createStableModel(cluster: Cluster, namespace: string, o: { replicas: number; httpPort?: number }): Promise<void> {
  await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const ports = o.httpPort === undefined ? {} : { ports: [{ containerPort: o.httpPort, name: 'http' }] };
  await cluster.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'model', namespace },
    spec: { replicas: o.replicas, selector: { matchLabels: { app: 'model' } }, template: { metadata: { labels: { app: 'model' } }, spec: { containers: [{ name: 'model', image: 'r.example/model:1', ...ports }] } } },
  });
  await waitForRollout(cluster, namespace, 'model', 60_000);
}

export async function removeNamespace(cluster: Cluster, namespace: string): Promise<void> {
  await cluster.remove({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace });
}
