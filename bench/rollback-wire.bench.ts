// Rollback as seen on the wire: a canary at 20% behind the sandbox gateway (Traefik, gateway-api router)
// under steady load; from the start of the rollback (what auto-rollback runs) to the last request that
// a canary pod answered, next to the rollback's own time (start to return) in the same run, and as a
// ratio to a bare GET of the Deployment. Load: 4 connections, at most 30 s and 100,000 requests.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connectCluster } from '../shared/k8s/client.js';
import { deploymentRef } from '../shared/k8s/objects.js';
import { waitForRollout } from '../shared/k8s/rollout.js';
import { startCanary } from '../shared/canary/start.js';
import { rollbackCanary } from '../shared/canary/rollback.js';
import { sendLoad } from '../__tests__/support/gateway-load.js';
import { medianMs, report } from './support.js';

const runDir = join(process.env.AI_DEPLOY_SANDBOX_HOME ?? join(homedir(), '.cache', 'ai-deploy-sandbox'), 'run');
const envFile = Object.fromEntries(readFileSync(join(runDir, 'env'), 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const gatewayUrl = envFile.GATEWAY_URL;
if (!gatewayUrl) throw new Error('no GATEWAY_URL in the sandbox env file: run `npm run sandbox -- up`');
const cluster = await connectCluster(readFileSync(join(runDir, 'kubeconfig'), 'utf8'));
const namespace = `bench-wire-${Date.now().toString(36)}`;
const hostname = `${namespace}.wire.test`;
const quiet = () => {};
const labels = { app: 'model' };
await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
try {
  await cluster.create({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'model', namespace, labels },
    spec: {
      replicas: 2, selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { 'ai-deploy.test/serve': 'model-server' } },
        spec: { containers: [{ name: 'model', image: 'r.example/model:1', env: [{ name: 'MODEL_VERSION', value: '1' }], ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  });
  await cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'model', namespace }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  await cluster.create({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'model', namespace },
    spec: { parentRefs: [{ name: 'sandbox', namespace: 'ai-deploy-sandbox' }], hostnames: [hostname], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'model', port: 80 }] }] },
  });
  await waitForRollout(cluster, namespace, 'model', 60_000);
  const get = await medianMs(() => cluster.get(deploymentRef(namespace, 'model')), 9);

  const wire: number[] = [];
  const action: number[] = [];
  for (let i = 0; i < 3; i++) {
    const version = String(2 + i);
    await startCanary(cluster, { namespace, deployment: 'model', image: `r.example/model:${version}`, modelVersion: version, strategy: 'canary', router: 'gateway-api', route: 'model', weight: 20, baseline: false, timeoutMs: 60_000, owner: 'bench' }, quiet);
    const warm = await sendLoad(gatewayUrl, hostname, { count: 5000, maxMs: 30_000, concurrency: 1, until: (r) => r.version === version });
    if (warm.at(-1)?.version !== version) throw new Error('the gateway never sent a request to the canary');
    let doneAt = Infinity;
    const load = sendLoad(gatewayUrl, hostname, { count: 100_000, maxMs: 30_000, until: (r) => r.sentAt > doneAt + 1500 });
    await new Promise((r) => setTimeout(r, 300)); // load running before the rollback starts
    const t = performance.now();
    const result = await rollbackCanary(cluster, namespace, 'model', quiet, { reason: 'bench' });
    doneAt = performance.now();
    if (!result.rolledBack) throw new Error('rollback did not finish');
    const lastCanary = Math.max(t, ...(await load).filter((r) => r.version === version).map((r) => r.doneAt));
    action.push(doneAt - t);
    wire.push(lastCanary - t);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  report('rollback on the wire: start to last canary answer (gateway-api, Traefik) vs bare GET Deployment', median(wire), get, 'ms', 'no canary answer after the rollback returns');
  report('rollback as the action times it: start to return (same runs) vs bare GET Deployment', median(action), get, 'ms', '< 2 s of action time');
  console.log(`rollback-wire: last canary answer ${(median(wire) / 1000).toFixed(2)} s after the start, rollback returned after ${(median(action) / 1000).toFixed(2)} s (medians of ${wire.length}; runs: wire ${wire.map((x) => x.toFixed(0)).join('/')} ms, action ${action.map((x) => x.toFixed(0)).join('/')} ms)`);
} finally {
  await cluster.remove({ apiVersion: 'v1', kind: 'Namespace', namespace: '', name: namespace });
}
