// Rollback time with traffic shaping set (gateway-api): a canary with `match` and `session-affinity: cookie`,
// and a shadow canary (`strategy: shadow`), each against a plain weighted canary rolled back in the same run
// (interleaved, median of 5). The extra rules must not make rollback slower than 1.5x.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectCluster } from '../shared/k8s/client.js';
import { waitForRollout } from '../shared/k8s/rollout.js';
import { startCanary, type CanaryPlan } from '../shared/canary/start.js';
import { rollbackCanary } from '../shared/canary/rollback.js';
import { report } from './support.js';

const kubeconfigPath = join(process.env.AI_DEPLOY_SANDBOX_HOME ?? join(homedir(), '.cache', 'ai-deploy-sandbox'), 'run', 'kubeconfig');
const cluster = await connectCluster(readFileSync(kubeconfigPath, 'utf8'));
const namespace = `bench-shaping-${Date.now().toString(36)}`;
const quiet = () => {};
const RUNS = 5;

type Variant = 'plain' | 'match + session-affinity' | 'shadow';
const plans: Record<Variant, Partial<CanaryPlan>> = {
  plain: { strategy: 'canary', weight: 10 },
  'match + session-affinity': {
    strategy: 'canary',
    weight: 10,
    match: [
      { on: 'header', name: 'x-canary', value: 'always' },
      { on: 'cookie', name: 'beta', value: '1' },
    ],
    affinity: { cookie: 'ai-deploy-track', maxAgeSeconds: 86_400 },
  },
  shadow: { strategy: 'shadow', weight: 50 },
};

await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
try {
  await cluster.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'model', namespace },
    spec: { replicas: 2, selector: { matchLabels: { app: 'model' } }, template: { metadata: { labels: { app: 'model' } }, spec: { containers: [{ name: 'model', image: 'r.example/model:1', ports: [{ containerPort: 8080, name: 'http' }] }] } } },
  });
  await cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model', namespace }, spec: { selector: { app: 'model' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await cluster.create({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'model', namespace },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ name: 'model', port: 80 }] }] },
  });
  await waitForRollout(cluster, namespace, 'model', 60_000);

  const times: Record<Variant, number[]> = { plain: [], 'match + session-affinity': [], shadow: [] };
  let n = 2;
  for (let i = 0; i < RUNS; i++) {
    for (const variant of Object.keys(plans) as Variant[]) {
      const plan: CanaryPlan = { namespace, deployment: 'model', image: `r.example/model:${n++}`, router: 'gateway-api', route: 'model', baseline: false, timeoutMs: 60_000, owner: 'bench', strategy: 'canary', weight: 10, ...plans[variant] };
      await startCanary(cluster, plan, quiet);
      const t = performance.now();
      const result = await rollbackCanary(cluster, namespace, 'model', quiet, { reason: 'bench' });
      times[variant].push(performance.now() - t);
      if (!result.rolledBack || result.podsLeft !== 0) throw new Error(`rollback (${variant}) did not finish`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const plain = median(times.plain);
  for (const variant of ['match + session-affinity', 'shadow'] as Variant[]) {
    report(`rollback (gateway-api) with ${variant} vs a plain canary rollback`, median(times[variant]), plain, 'ms', '<= 1.5x');
  }
} finally {
  await cluster.remove({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace });
}
