// The sandbox data plane: pods that serve and a real gateway, with no container runtime.
//
// The API server refuses loopback addresses in EndpointSlices (ValidateEndpointIP: "may not be in
// the loopback range"), so pods cannot get 127.x IPs that a gateway would route to. Instead the
// sandbox makes a network namespace of its own whose only interface is `lo`, carrying the pod range
// 198.18.0.0/16 (RFC 2544 benchmarking space; kwok hands pod IPs out of it). Nothing in that
// namespace has a route off the machine. Inside it run:
//   - pods      netns/pods.mjs: one model-pod.mjs per Running pod annotated ai-deploy.test/serve=model-server
//   - traefik   Traefik v3 with the kubernetesGateway provider (GatewayClass/Gateway `sandbox`)
//   - gateway-bridge-ns   netns side of the bridge (the API server for the two above; Traefik's ports out)
// and on the host `gateway-bridge` forwards 127.0.0.1:<gateway>, :<gatewayMetrics> into it, through
// unix sockets in the run dir (see netns/bridge.mjs). Prometheus scrapes Traefik's metrics there.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, host, ports, runDir, sandboxDir, kubeconfigPath } from '../lib/paths.mjs';
import { ensurePki } from '../lib/certs.mjs';
import { ensureDaemon } from '../lib/daemon.mjs';
import { kubeClient } from '../lib/kubeapi.mjs';
import { runningPid } from '../lib/process.mjs';
import { healthy, waitFor } from '../lib/wait.mjs';
import { ensureTraefik, traefikBin } from './gateway-build.mjs';

export const name = 'gateway';
export const after = ['kubernetes', 'upstream-crds']; // the Gateway API CRDs Traefik watches
export const daemons = ['gateway-bridge', 'gateway-bridge-ns', 'traefik', 'pods'];
export const aptCommands = { ip: 'iproute2' };
/** Pod IPs (kwok --cidr) live only inside the sandbox netns. */
export const podCidr = '198.18.0.0/16';
export const gatewayName = 'sandbox';
export const gatewayNamespace = 'ai-deploy-sandbox';

// One netns per sandbox home, so a second sandbox (AI_DEPLOY_SANDBOX_HOME) gets its own.
export const netns = `ai-deploy-sb-${createHash('sha256').update(cacheRoot).digest('hex').slice(0, 8)}`;
const sockDir = join(runDir, 'netns');
const sock = (n) => join(sockDir, `${n}.sock`);
const gatewayUrl = `http://${host}:${ports.gateway}`;
const metricsUrl = `http://${host}:${ports.gatewayMetrics}`;
const node = process.execPath;
const inNetns = (cmd, ...args) => ({ cmd: 'ip', args: ['netns', 'exec', netns, cmd, ...args] });

export function env() {
  return { GATEWAY_URL: gatewayUrl, GATEWAY_METRICS_URL: metricsUrl };
}

export async function check() {
  return daemons.every((d) => runningPid(d)) && healthy(`${metricsUrl}/ping`);
}

function ip(...args) {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

/** The netns with lo up and the pod range on it (idempotent). */
function ensureNetns() {
  if (!ip('netns', 'list').split('\n').some((l) => l.split(' ')[0] === netns)) ip('netns', 'add', netns);
  ip('-n', netns, 'link', 'set', 'lo', 'up');
  const first = podCidr.replace('0.0/', '0.1/');
  if (!ip('-n', netns, 'addr', 'show', 'dev', 'lo').includes(` ${first} `)) ip('-n', netns, 'addr', 'add', first, 'dev', 'lo');
  const links = ip('-n', netns, '-o', 'link', 'show').trim().split('\n');
  if (links.length !== 1 || !links[0].includes(' lo:')) throw new Error(`netns ${netns} has interfaces besides lo: ${links.join('; ')}`);
}

function traefikArgs() {
  return ['--global.checkNewVersion=false', '--global.sendAnonymousUsage=false', '--log.level=INFO',
    `--entryPoints.web.address=${host}:${ports.gateway}`, `--entryPoints.metrics.address=${host}:${ports.gatewayMetrics}`,
    '--providers.kubernetesGateway=true', '--providers.kubernetesGateway.throttleDuration=0s',
    '--providers.providersThrottleDuration=0s',
    '--metrics.prometheus=true', '--metrics.prometheus.entryPoint=metrics', '--metrics.prometheus.addServicesLabels=true',
    '--metrics.prometheus.addRoutersLabels=true', '--metrics.prometheus.buckets=0.005,0.01,0.025,0.05,0.1,0.15,0.2,0.25,0.3,0.5,1,2.5,5',
    '--ping=true', '--ping.entryPoint=metrics'];
}

export async function up(log) {
  if (await ensureTraefik(log)) log('Traefik build finished');
  ensureNetns();
  mkdirSync(sockDir, { recursive: true });
  const pki = ensurePki(join(runDir, 'kubernetes', 'pki'));
  const api = kubeClient(pki, `https://${host}:${ports.apiserver}`);

  const cond = (obj, type) => obj?.status?.conditions?.find((c) => c.type === type)?.status === 'True';

  const bridgeScript = join(sandboxDir, 'netns', 'bridge.mjs');
  await ensureDaemon({
    name: 'gateway-bridge', cmd: node, ports: [ports.gateway, ports.gatewayMetrics], check: async () => true,
    args: [bridgeScript, `tcp:${host}:${ports.gateway}=unix:${sock('gateway')}`, `tcp:${host}:${ports.gatewayMetrics}=unix:${sock('metrics')}`,
      `unix:${sock('apiserver')}=tcp:${host}:${ports.apiserver}`],
  });
  await ensureDaemon({
    name: 'gateway-bridge-ns', ...inNetns(node, bridgeScript, `unix:${sock('gateway')}=tcp:${host}:${ports.gateway}`,
      `unix:${sock('metrics')}=tcp:${host}:${ports.gatewayMetrics}`, `tcp:${host}:${ports.apiserver}=unix:${sock('apiserver')}`),
    check: async () => true,
  });
  await ensureDaemon({
    name: 'pods', ...inNetns(node, join(sandboxDir, 'netns', 'pods.mjs'), `https://${host}:${ports.apiserver}`,
      pki.ca, pki.admin, pki.adminKey, podCidr.split('.').slice(0, 2).join('.') + '.'),
    check: async () => true,
  });

  await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: gatewayNamespace } });
  await api.apply({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: gatewayName },
    spec: { controllerName: 'traefik.io/gateway-controller' },
  });
  await api.apply({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: gatewayName, namespace: gatewayNamespace },
    spec: { gatewayClassName: gatewayName, listeners: [{ name: 'web', protocol: 'HTTP', port: ports.gateway, allowedRoutes: { namespaces: { from: 'All' } } }] },
  });
  await ensureDaemon({
    name: 'traefik', ...inNetns(traefikBin, ...traefikArgs()), env: { KUBECONFIG: kubeconfigPath },
    check: () => healthy(`${metricsUrl}/ping`),
  });
  await waitFor('Gateway sandbox programmed by Traefik', async () => {
    const r = await api.get(`/apis/gateway.networking.k8s.io/v1/namespaces/${gatewayNamespace}/gateways/${gatewayName}`);
    return cond(r.body, 'Programmed');
  }, { timeoutMs: 60_000, isDead: () => !runningPid('traefik') });
  return env();
}
