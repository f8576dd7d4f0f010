import type { KubeConfig } from '@kubernetes/client-node';
import type { HookClients } from './types.js';

/** The Kubernetes clients hooks use, made from the action's one KubeConfig (client-node is loaded only here, lazily). */
export async function createHookClients(kubeConfig: KubeConfig): Promise<HookClients> {
  const { BatchV1Api, CoreV1Api } = await import('@kubernetes/client-node');
  return { kubeConfig, batch: kubeConfig.makeApiClient(BatchV1Api), core: kubeConfig.makeApiClient(CoreV1Api) };
}
