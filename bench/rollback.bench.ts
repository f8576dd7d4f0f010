// Rollback time against the sandbox: from the start of a canary rollback (as auto-rollback runs it) to all
// traffic on stable (router reset, canary and its pods gone), as a ratio to a bare GET of the Deployment
// measured in the same run, and in seconds. Target: under 2 s of action time.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectCluster } from '../shared/k8s/client.js';
import { deploymentRef } from '../shared/k8s/objects.js';
import { waitForRollout } from '../shared/k8s/rollout.js';
import { startCanary } from '../shared/canary/start.js';
import { rollbackCanary } from '../shared/canary/rollback.js';
import { medianMs, report } from './support.js';

const kubeconfigPath = join(process.env.AI_DEPLOY_SANDBOX_HOME ?? join(homedir(), '.cache', 'ai-deploy-sandbox'), 'run', 'kubeconfig');
const cluster = await connectCluster(readFileSync(kubeconfigPath, 'utf8'));
const namespace = `bench-rollback-${Date.now().toString(36)}`;
const quiet = () => {};
await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
try {
  await cluster.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'model', namespace },
    spec: { replicas: 3, selector: { matchLabels: { app: 'model' } }, template: { metadata: { labels: { app: 'model' } }, spec: { containers: [{ name: 'model', image: 'r.example/model:1' }] } } },
  });
  await waitForRollout(cluster, namespace, 'model', 60_000);
  const get = await medianMs(() => cluster.get(deploymentRef(namespace, 'model')), 9);

  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    await startCanary(cluster, { namespace, deployment: 'model', image: `r.example/model:${2 + i}`, strategy: 'canary', router: 'replicas', weight: 25, baseline: false, timeoutMs: 60_000, owner: 'bench' }, quiet);
    const t = performance.now();
    const result = await rollbackCanary(cluster, namespace, 'model', quiet, { reason: 'bench' });
    times.push(performance.now() - t);
    if (!result.rolledBack || result.podsLeft !== 0) throw new Error('rollback did not finish');
  }
  times.sort((a, b) => a - b);
  const rollback = times[1];
  report('rollback (canary, replicas router, 1 canary pod) vs bare GET Deployment', rollback, get, 'ms', '< 2 s of action time');
  console.log(`rollback: ${(rollback / 1000).toFixed(2)} s (median of ${times.length}; target < 2 s)`);
} finally {
  await cluster.remove({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace });
}
