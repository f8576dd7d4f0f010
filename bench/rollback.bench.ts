// Rollback time against the sandbox: from the start of a canary rollback (as auto-rollback runs it) to all
// traffic on stable (router reset, canary and its pods gone), as a ratio to a bare GET of the Deployment
// measured in the same run, and in seconds. Target: under 2 s of action time.
import { deploymentRef } from '../shared/k8s/objects.js';
import { startCanary } from '../shared/canary/start.js';
import { rollbackCanary } from '../shared/canary/rollback.js';
import { medianMs, report } from './support.js';
import { benchCluster, createStableModel, removeNamespace } from './sandbox-cluster.js';

const { cluster, namespace } = await benchCluster('rollback');
const quiet = () => {};
try {
  await createStableModel(cluster, namespace, { replicas: 3 });
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
  await removeNamespace(cluster, namespace);
}
