// Kubernetes: etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok (fake nodes),
// plus the traffic-router CRDs from sandbox/crds. Reached with the kubeconfig written to the run dir.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { host, ports, runDir, sandboxDir, kubeconfigPath } from '../lib/paths.mjs';
import { ensureAggregationPki, ensurePki, kubeconfigYaml } from '../lib/certs.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { kubeClient } from '../lib/kubeapi.mjs';
import { runningPid } from '../lib/process.mjs';
import { healthy, waitFor } from '../lib/wait.mjs';
import { ensureBinaries, bin } from './build.mjs';
// Pod IPs: 198.18.0.0/16, which exists only inside the data-plane netns (parts/gateway.mjs).

export const name = 'kubernetes';
export const daemons = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];
export const nodeNames = ['kwok-node-0', 'kwok-node-1'];

const dir = join(runDir, 'kubernetes');
const server = `https://${host}:${ports.apiserver}`;
const insecure = { rejectUnauthorized: false }; // health checks of self-signed controller ports
const controllers = [
  'deployment-controller', 'replicaset-controller', 'job-controller', 'cronjob-controller',
  'garbage-collector-controller', 'namespace-controller', 'serviceaccount-controller',
  'root-ca-certificate-publisher-controller', 'endpoints-controller', 'endpointslice-controller',
  'statefulset-controller', 'daemonset-controller', 'disruption-controller',
  'pod-garbage-collector-controller', 'ttl-after-finished-controller', 'replicationcontroller-controller',
  'clusterrole-aggregation-controller', 'horizontal-pod-autoscaler-controller',
];
// The HPA controller reads metrics.k8s.io from metrics-server (parts/metrics.mjs), which scrapes kwok's
// emulated usage (kwok/metrics.yaml). Synced every 2 s (default 15 s) so tests see it act within seconds;
// scale-down stabilization 10 s (default 5 min) unless an HPA's own `behavior` says otherwise.
const hpaFlags = ['--horizontal-pod-autoscaler-sync-period=2s', '--horizontal-pod-autoscaler-downscale-stabilization=10s'];
/** Per node, the path of kwok's kubelet-like /metrics/resource (read by metrics-server from this annotation). */
export const resourceMetricsPath = (node) => `/metrics/nodes/${node}/metrics/resource`;

function tlsOf(pki) {
  return { ca: readFileSync(pki.ca), cert: readFileSync(pki.admin), key: readFileSync(pki.adminKey) };
}

export function env() {
  return { KUBECONFIG: kubeconfigPath };
}

export async function check() {
  if (daemons.some((d) => !runningPid(d)) || !existsSync(join(dir, 'pki', 'admin.key'))) return false;
  return healthy(`${server}/readyz`, tlsOf(ensurePki(join(dir, 'pki'))));
}

export async function up(log) {
  if (await ensureBinaries(log)) log('Go build finished');
  const pki = ensurePki(join(dir, 'pki'));
  const agg = ensureAggregationPki(join(dir, 'pki'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(kubeconfigPath, kubeconfigYaml(pki, server), { mode: 0o600 });
  const kc = kubeconfigPath;
  // kwok reads its config once: copies named by content hash make a changed file restart kwok.
  const kwokConfig = (file) => {
    const text = readFileSync(join(sandboxDir, 'kwok', `${file}.yaml`), 'utf8');
    const copy = join(dir, `kwok-${file}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.yaml`);
    writeFileSync(copy, text);
    return copy;
  };
  const stages = kwokConfig('stages');
  const usage = kwokConfig('metrics');
  const delegated = [`--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`,
    `--bind-address=${host}`, '--authentication-skip-lookup', '--leader-elect=false', '--profiling=false'];

  await ensureDaemon({
    name: 'etcd', cmd: bin('etcd'), ports: [ports.etcd, ports.etcdPeer], check: () => healthy(`http://${host}:${ports.etcd}/health`),
    args: ['--name=sandbox', `--data-dir=${join(dir, 'etcd')}`, '--unsafe-no-fsync', '--log-level=warn',
      `--listen-client-urls=http://${host}:${ports.etcd}`, `--advertise-client-urls=http://${host}:${ports.etcd}`,
      `--listen-peer-urls=http://${host}:${ports.etcdPeer}`, `--initial-advertise-peer-urls=http://${host}:${ports.etcdPeer}`,
      `--initial-cluster=sandbox=http://${host}:${ports.etcdPeer}`, '--quota-backend-bytes=2147483648'],
  });
  await ensureDaemon({
    name: 'kube-apiserver', cmd: bin('kube-apiserver'), timeoutMs: 120_000, ports: [ports.apiserver],
    check: () => healthy(`${server}/readyz`, tlsOf(pki)),
    args: [`--etcd-servers=http://${host}:${ports.etcd}`, `--bind-address=${host}`, `--advertise-address=${host}`,
      `--secure-port=${ports.apiserver}`, '--endpoint-reconciler-type=none', `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.server}`, `--tls-private-key-file=${pki.serverKey}`, `--client-ca-file=${pki.ca}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.sa}`,
      '--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=RBAC', '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition', '--enable-priority-and-fairness=false', '--profiling=false',
      '--event-ttl=30m',
      // API aggregation (metrics.k8s.io from metrics-server): the proxy client cert and the CA aggregated servers trust it by.
      `--requestheader-client-ca-file=${agg.frontProxyCa}`, '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${agg.proxyClient}`, `--proxy-client-key-file=${agg.proxyClientKey}`],
  });
  await Promise.all([
    ensureDaemon({
      name: 'kube-controller-manager', cmd: bin('kube-controller-manager'), ports: [ports.controllerManager],
      check: () => healthy(`https://${host}:${ports.controllerManager}/healthz`, insecure),
      args: [...delegated, `--secure-port=${ports.controllerManager}`, `--cert-dir=${join(dir, 'kcm-certs')}`,
        `--controllers=${controllers.join(',')}`, `--root-ca-file=${pki.ca}`,
        `--service-account-private-key-file=${pki.sa}`, '--use-service-account-credentials=false',
        '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--concurrent-job-syncs=10', ...hpaFlags],
    }),
    ensureDaemon({
      name: 'kube-scheduler', cmd: bin('kube-scheduler'), ports: [ports.scheduler],
      check: () => healthy(`https://${host}:${ports.scheduler}/healthz`, insecure),
      args: [...delegated, `--secure-port=${ports.scheduler}`, `--cert-dir=${join(dir, 'scheduler-certs')}`],
    }),
    ensureDaemon({
      name: 'kwok', cmd: bin('kwok'), ports: [ports.kwokServer],
      check: () => healthy(`https://${host}:${ports.kwokServer}/healthz`, { ca: readFileSync(pki.ca) }),
      args: [`--kubeconfig=${kc}`, `--config=${stages}`, `--config=${usage}`,
        `--server-address=${host}:${ports.kwokServer}`, `--tls-cert-file=${agg.kwokServer}`, `--tls-private-key-file=${agg.kwokServerKey}`,
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake', '--node-ip=127.0.0.1',
        '--cidr=198.18.0.1/16', '--node-lease-duration-seconds=0'],
    }),
  ]);

  const api = kubeClient(pki, server);
  const crds = readdirSync(join(sandboxDir, 'crds')).filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(join(sandboxDir, 'crds', f), 'utf8')));
  const nodes = nodeNames.map((n) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: n, annotations: { 'kwok.x-k8s.io/node': 'fake', 'metrics.k8s.io/resource-metrics-path': resourceMetricsPath(n) },
      labels: { type: 'kwok', 'kubernetes.io/hostname': n, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    spec: {},
  }));
  await Promise.all([...crds, ...nodes].map((o) => api.apply(o)));
  for (const n of nodeNames) { // no node-lifecycle controller runs here to lift not-ready taints
    const r = await api.get(`/api/v1/nodes/${n}`);
    if (r.body?.spec?.taints?.length) await api.request('PATCH', `/api/v1/nodes/${n}`, { spec: { taints: null } }, 'application/merge-patch+json');
  }
  const cond = (obj, type) => obj?.status?.conditions?.find((c) => c.type === type)?.status === 'True';
  await waitFor('CRDs established', async () => {
    const rs = await Promise.all(crds.map((c) => api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.metadata.name}`)));
    return rs.every((r) => cond(r.body, 'Established'));
  });
  await waitFor('kwok nodes Ready', async () => {
    const rs = await Promise.all(nodeNames.map((n) => api.get(`/api/v1/nodes/${n}`)));
    return rs.every((r) => cond(r.body, 'Ready'));
  }, { timeoutMs: 30_000, isDead: () => !runningPid('kwok') });
  await waitFor('default service account', async () => (await api.get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
  return env();
}
