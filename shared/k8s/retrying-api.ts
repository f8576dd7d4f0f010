import { describeKubernetesFailure } from './errors.js';
import { DEFAULT_RETRY, retryTransient, type RetryPolicy } from './retry.js';

/**
 * A typed client-node API (CoreV1Api, BatchV1Api) whose calls go through the same failure classification
 * and retries as `Cluster` (failure.ts), and fail with the same one-line errors. `create*` calls are sent
 * once: a create whose answer was lost would come back as 409 AlreadyExists on a second try, which the
 * caller could not tell from someone else's object.
 */
export function retryingApi<T extends object>(api: T, server: string | undefined, policy: RetryPolicy = DEFAULT_RETRY): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const once = prop.startsWith('create');
      return (...args: unknown[]) =>
        retryTransient(prop, () => value.apply(target, args), once ? { ...policy, attempts: 1 } : policy, (error, tries) => describeKubernetesFailure(error, prop, server, tries));
    },
  });
}
