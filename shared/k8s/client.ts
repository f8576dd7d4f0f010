import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError, errorMessage } from '../errors.js';
import { maskIssuedCredentials, maskKubeconfig } from '../action/secrets.js';
import { Cluster } from './cluster.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { cutToLength } from '../text-limit.js';

/**
 * Where the cluster's credentials come from, in order: the `kubeconfig` input (contents), the
 * `KUBECONFIG` files, the in-cluster service account, `~/.kube/config`. Every kubeconfig read is
 * masked, credentials included, before anything can log it.
 */
export async function loadKubeConfig(contents?: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (contents) {
      maskKubeconfig(contents);
      kc.loadFromString(contents);
    } else if (process.env.KUBECONFIG) {
      for (const file of process.env.KUBECONFIG.split(delimiter).filter(Boolean)) {
        if (existsSync(file)) maskKubeconfig(readFileSync(file, 'utf8'));
      }
      kc.loadFromDefault();
    } else if (process.env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else if (existsSync(join(homedir(), '.kube', 'config'))) {
      maskKubeconfig(readFileSync(join(homedir(), '.kube', 'config'), 'utf8'));
      kc.loadFromDefault();
    } else {
      throw new ConfigurationError(
        'No Kubernetes cluster to talk to: give the `kubeconfig` input (contents), set `KUBECONFIG`, or run inside a cluster.',
      );
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    // The parser's message may quote the file; say what is wrong without echoing it.
    const source = contents ? 'the `kubeconfig` input' : 'KUBECONFIG';
    throw new ConfigurationError(`Invalid \`kubeconfig\`: ${source} is not a readable kubeconfig (${cutToLength(errorMessage(error).split('\n')[0], 80)}).`);
  }
  if (!kc.getCurrentCluster()) {
    throw new ConfigurationError('Invalid `kubeconfig`: it names no current cluster (set `current-context`).');
  }
  maskIssuedCredentials(kc);
  return kc;
}

/** The one place an action builds its cluster client (client-node is loaded here, lazily). */
export async function connectCluster(contents?: string, policy: RetryPolicy = DEFAULT_RETRY): Promise<Cluster> {
  const kc = await loadKubeConfig(contents);
  const { KubernetesObjectApi } = await import('@kubernetes/client-node');
  return new Cluster(KubernetesObjectApi.makeApiClient(kc), policy, kc.getCurrentCluster()?.server);
}
