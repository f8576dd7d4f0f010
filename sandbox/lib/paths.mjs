// Where the sandbox keeps things (all outside git) and which loopback ports it uses.
import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sandboxDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const cacheRoot =
  process.env.AI_DEPLOY_SANDBOX_HOME ??
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ai-deploy-sandbox');
export const binDir = join(cacheRoot, 'bin');
export const runDir = join(cacheRoot, 'run');
export const pidDir = join(runDir, 'pids');
export const logDir = join(runDir, 'logs');
export const envFile = join(runDir, 'env');
export const kubeconfigPath = join(runDir, 'kubeconfig');

export const host = '127.0.0.1';
// AI_DEPLOY_SANDBOX_PORT_OFFSET (with its own AI_DEPLOY_SANDBOX_HOME) runs a second sandbox beside the first.
const offset = Number(process.env.AI_DEPLOY_SANDBOX_PORT_OFFSET ?? 0);
const basePorts = {
  etcd: 23790,
  etcdPeer: 23800,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  prometheus: 9090,
  moto: 5005,
  registry: 5000,
  registryAuth: 5001,
  gateway: 18000, // Traefik's web entrypoint, bridged from the data-plane netns (parts/gateway.mjs)
  gatewayMetrics: 18001, // Traefik's /metrics and /ping
  proxy: 3128,
  kwokServer: 10247, // kwok's kubelet-like HTTPS endpoint: per-node /metrics/resource from emulated usage
  metricsServer: 4443, // metrics-server (metrics.k8s.io, an aggregated API behind kube-apiserver)
};
export const ports = Object.fromEntries(Object.entries(basePorts).map(([k, p]) => [k, p + offset]));
