import type { KubeConfig } from '@kubernetes/client-node';
import { retryingApi } from '../k8s/retrying-api.js';
import type { HookClients } from './types.js';

/** The Kubernetes clients hooks use, made from the action's one KubeConfig (client-node is loaded only here, lazily). */
export async function createHookClients(kubeConfig: KubeConfig): Promise<HookClients> {
  const { BatchV1Api, CoreV1Api } = await import('@kubernetes/client-node');
  // The same retry classification and one-line errors as every other Kubernetes call (shared/k8s/failure.ts).
  const server = kubeConfig.getCurrentCluster()?.server;
  return { kubeConfig, batch: retryingApi(kubeConfig.makeApiClient(BatchV1Api), server), core: retryingApi(kubeConfig.makeApiClient(CoreV1Api), server) };
}
