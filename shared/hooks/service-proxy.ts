import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { HttpTarget } from './types.js';

type ServiceTarget = Extract<HttpTarget, { via: 'service' }>;

/**
 * The API server's service proxy path for a Service port, so a runner outside the cluster reaches it:
 * `/api/v1/namespaces/<ns>/services/[https:]<name>:<port>/proxy/<path>`. `path` starts with `/` and may carry a query.
 */
export function serviceProxyPath(namespace: string, target: Pick<ServiceTarget, 'service' | 'port' | 'scheme'>, path: string): string {
  const scheme = target.scheme === 'https' ? 'https:' : '';
  const service = encodeURIComponent(`${scheme}${target.service}:${target.port}`).replace(/%3A/g, ':');
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${service}/proxy${path}`;
}

/** The full URL on the current cluster's API server. */
export function serviceProxyUrl(server: string, namespace: string, target: Pick<ServiceTarget, 'service' | 'port' | 'scheme'>, path: string): string {
  return `${server.replace(/\/+$/, '')}${serviceProxyPath(namespace, target, path)}`;
}

/** The API server's address and the TLS and auth options a request to it needs, from the kubeconfig. */
export async function apiServerAccess(kubeConfig: KubeConfig): Promise<{ server: string; options: RequestOptions & { headers?: Record<string, string> } }> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster.');
  const options: RequestOptions & { headers?: Record<string, string> } = {};
  await kubeConfig.applyToHTTPSOptions(options);
  return { server: cluster.server, options };
}

/** When the API server (not the Service) answered, its Status message says why the Service was not reached. */
export function apiServerStatusMessage(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { kind?: string; apiVersion?: string; message?: string };
    return status.kind === 'Status' && status.apiVersion === 'v1' && status.message ? status.message : undefined;
  } catch {
    return undefined;
  }
}
