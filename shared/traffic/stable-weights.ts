import type { KubeObject } from '../k8s/cluster.js';
import { key } from '../k8s/annotations.js';

/**
 * The stable entry's weight in each weighted list of a route object as the user had it, before the canary:
 * `{"<stable deployment>": [w0, w1, ...]}` in one annotation on the route (null: that list has no stable entry,
 * or its entry has no weight). Recorded when the canary's routing is set up, read back when it is removed, so
 * the route is left exactly as the server stored it (an HTTPRoute backendRef written without a weight is
 * stored with the default `weight: 1`, and a GitOps tool diffing it against the user's manifest sees no change).
 */
export const STABLE_WEIGHTS = key('stable-weights');

type Weights = (number | null)[];

function recorded(obj: KubeObject): Record<string, Weights> {
  try {
    const value = JSON.parse(obj.metadata?.annotations?.[STABLE_WEIGHTS] ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {}; // not ours to trust: the stable entries then get weight 100 (all traffic) on cleanup
  }
}

function write(obj: KubeObject, all: Record<string, Weights>): void {
  const annotations = { ...obj.metadata?.annotations };
  if (Object.keys(all).length) annotations[STABLE_WEIGHTS] = JSON.stringify(all);
  else delete annotations[STABLE_WEIGHTS];
  obj.metadata = { ...obj.metadata, annotations };
}

/** Records `weights` for `deployment` unless a record is already there (a re-run keeps the first one). */
export function recordStableWeights(obj: KubeObject, deployment: string, weights: Weights): void {
  const all = recorded(obj);
  if (all[deployment]) return;
  write(obj, { ...all, [deployment]: weights });
}

/** The recorded weights of `deployment` (undefined when none), and the record removed from the object. */
export function takeStableWeights(obj: KubeObject, deployment: string): Weights | undefined {
  const all = recorded(obj);
  const weights = Array.isArray(all[deployment]) ? all[deployment] : undefined;
  delete all[deployment];
  write(obj, all);
  return weights;
}
