// metrics-server on the host (127.0.0.1), serving metrics.k8s.io to the horizontal-pod-autoscaler controller
// as an aggregated API. It scrapes each kwok node's emulated /metrics/resource (kwok/metrics.yaml; pod usage
// set by annotations). The API server reaches it through an APIService backed by a Service of type
// ExternalName pointing at 127.0.0.1 (the aggregator resolves ExternalName to that host and the APIService's
// port; EndpointSlices refuse loopback), verifying its serving cert (metrics-server.kube-system.svc) against
// the sandbox CA. metrics-server trusts the API server's proxy client cert through the requestheader CA it
// reads from kube-system/extension-apiserver-authentication.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { host, ports, runDir, kubeconfigPath } from '../lib/paths.mjs';
import { ensureAggregationPki, ensurePki } from '../lib/certs.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { kubeClient } from '../lib/kubeapi.mjs';
import { runningPid } from '../lib/process.mjs';
import { healthy, waitFor } from '../lib/wait.mjs';
import { ensureMetricsServer, metricsServerBin } from './metrics-build.mjs';

export const name = 'metrics';
export const daemons = ['metrics-server'];
export const after = ['kubernetes'];

const pkiDir = join(runDir, 'kubernetes', 'pki');
const url = `https://${host}:${ports.metricsServer}`;
const apiServiceName = 'v1beta1.metrics.k8s.io';
/** metrics-server keeps one sample per this period (its minimum): pod metrics lag usage by up to two of them. */
export const metricResolution = '10s';

export function env() {
  return {};
}

const available = (o) => o?.status?.conditions?.find((c) => c.type === 'Available')?.status === 'True';

export async function check() {
  if (!runningPid('metrics-server')) return false;
  const pki = ensurePki(pkiDir);
  const api = kubeClient(pki, `https://${host}:${ports.apiserver}`);
  return available((await api.get(`/apis/apiregistration.k8s.io/v1/apiservices/${apiServiceName}`)).body);
}

export async function up(log) {
  if (await ensureMetricsServer(log)) log('metrics-server build finished');
  const pki = ensurePki(pkiDir);
  const agg = ensureAggregationPki(pkiDir);
  const kc = kubeconfigPath;
  await ensureDaemon({
    name: 'metrics-server', cmd: metricsServerBin, ports: [ports.metricsServer],
    // /livez: its /readyz waits for a first pod sample, and a fresh sandbox may have no pod yet
    check: () => healthy(`${url}/livez`, { ca: readFileSync(pki.ca) }),
    args: [`--bind-address=${host}`, `--secure-port=${ports.metricsServer}`,
      `--tls-cert-file=${agg.metricsServer}`, `--tls-private-key-file=${agg.metricsServerKey}`,
      `--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`,
      // every kwok node is 127.0.0.1 and kwok serves them all on one port, one path per node (node annotation)
      '--kubelet-preferred-address-types=InternalIP', `--kubelet-port=${ports.kwokServer}`,
      `--kubelet-certificate-authority=${pki.ca}`, `--kubelet-client-certificate=${pki.admin}`, `--kubelet-client-key=${pki.adminKey}`,
      `--metric-resolution=${metricResolution}`, '--kubelet-request-timeout=5s', '--profiling=false'],
  });
  const api = kubeClient(pki, `https://${host}:${ports.apiserver}`);
  await api.apply({
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'metrics-server', namespace: 'kube-system' },
    spec: { type: 'ExternalName', externalName: host },
  });
  await api.apply({
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: apiServiceName },
    spec: {
      group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100,
      service: { name: 'metrics-server', namespace: 'kube-system', port: ports.metricsServer },
      caBundle: readFileSync(pki.ca).toString('base64'),
    },
  });
  await waitFor(`APIService ${apiServiceName} Available`, async () => available((await api.get(`/apis/apiregistration.k8s.io/v1/apiservices/${apiServiceName}`)).body),
    { timeoutMs: 60_000, intervalMs: 250, isDead: () => !runningPid('metrics-server') });
  return env();
}
