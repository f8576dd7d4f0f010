import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors.js';
import type { Cluster } from './cluster.js';
import { isNotFound } from './errors.js';
import { deploymentRef, namespaceRef } from './objects.js';

/**
 * The user's Deployment, or a ConfigurationError saying which of namespace or Deployment is missing.
 * (The namespace check needs cluster-wide read access; without it, the message names both.)
 */
export async function getDeployment(cluster: Cluster, namespace: string, name: string): Promise<V1Deployment> {
  const found = await cluster.find<V1Deployment>(deploymentRef(namespace, name));
  if (found) return found;
  let namespaceMissing = false;
  try {
    await cluster.get(namespaceRef(namespace));
  } catch (error) {
    namespaceMissing = isNotFound(error);
  }
  if (namespaceMissing) throw new ConfigurationError(`Invalid \`namespace\`: '${namespace}' does not exist in this cluster.`);
  throw new ConfigurationError(`Invalid \`deployment\`: Deployment '${name}' not found in namespace '${namespace}'.`);
}

/** The container the suite changes: the named one, or the pod's first container. */
export function findContainer(d: V1Deployment, name?: string): V1Container {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const found = name === undefined ? containers[0] : containers.find((c) => c.name === name);
  if (!found) {
    const names = containers.map((c) => `'${c.name}'`).join(', ') || 'none';
    throw new ConfigurationError(
      name === undefined
        ? `Deployment '${d.metadata?.name}' has no containers.`
        : `Invalid \`container\`: '${name}'. Deployment '${d.metadata?.name}' has no such container (its containers: ${names}).`,
    );
  }
  return found;
}

export const MODEL_VERSION_ENV = 'MODEL_VERSION';

/** The container's `MODEL_VERSION` env value, if set as a plain value. */
export function modelVersionOf(c: V1Container): string | undefined {
  return c.env?.find((e) => e.name === MODEL_VERSION_ENV)?.value;
}

/** Sets the image and/or `MODEL_VERSION` of one container in place; undefined leaves a field alone. */
export function setContainerVersion(c: V1Container, image?: string, modelVersion?: string): void {
  if (image !== undefined) c.image = image;
  if (modelVersion !== undefined) {
    const env = c.env ?? [];
    const at = env.findIndex((e) => e.name === MODEL_VERSION_ENV);
    const entry = { name: MODEL_VERSION_ENV, value: modelVersion };
    c.env = at < 0 ? [...env, entry] : env.map((e, i) => (i === at ? entry : e));
  }
}
