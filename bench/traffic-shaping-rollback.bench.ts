// Rollback time with traffic shaping set (gateway-api): a canary with `match` and `session-affinity: cookie`,
// and a shadow canary (`strategy: shadow`), each against a plain weighted canary rolled back in the same run
// (interleaved, median of 5). The extra rules must not make rollback slower than 1.5x.
import { startCanary, type CanaryPlan } from '../shared/canary/start.js';
import { rollbackCanary } from '../shared/canary/rollback.js';
import { report } from './support.js';
import { benchCluster, createStableModel, removeNamespace } from './sandbox-cluster.js';

const { cluster, namespace } = await benchCluster('shaping');
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

try {
  await createStableModel(cluster, namespace, { replicas: 2, httpPort: 8080 });
  await cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model', namespace }, spec: { selector: { app: 'model' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await cluster.create({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'model', namespace },
    spec: { parentRefs: [{ name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], backendRefs: [{ name: 'model', port: 80 }] }] },
  });

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
  await removeNamespace(cluster, namespace);
}
