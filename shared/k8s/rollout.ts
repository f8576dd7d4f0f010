import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Cluster } from './cluster.js';
import { deploymentRef, selectorString } from './objects.js';

export type RolloutStatus =
  | { state: 'done'; message: string }
  | { state: 'waiting'; message: string }
  | { state: 'failed'; message: string };

/**
 * A Deployment's rollout as `kubectl rollout status` judges it: the controller has seen the latest
 * spec, every replica is updated and available, no old replicas are left, and the progress deadline
 * has not passed.
 */
export function rolloutStatus(d: V1Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '?';
  const status = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: `${name}: waiting for the controller to observe the new spec` };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', message: `${name}: progress deadline exceeded (${progressing.message ?? 'no message'})` };
  }
  const want = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < want) return { state: 'waiting', message: `${name}: ${updated} of ${want} replicas updated` };
  if (total > updated) return { state: 'waiting', message: `${name}: ${total - updated} old replicas pending termination` };
  if (available < updated) return { state: 'waiting', message: `${name}: ${available} of ${updated} updated replicas available` };
  return { state: 'done', message: `${name}: ${available} of ${want} replicas rolled out` };
}

/** Why a pod is not Ready, in one line, from its conditions and container states. */
export function podNotReadyReason(pod: V1Pod): string | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  const waiting = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]
    .filter((c) => !c.ready && (c.state?.waiting || c.state?.terminated))
    .map((c) => {
      const s = c.state?.waiting ?? c.state?.terminated;
      return `container ${c.name} ${c.state?.waiting ? 'waiting' : 'terminated'}: ${s?.reason ?? ''}${s?.message ? ` ${s.message}` : ''}`.trim();
    });
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  const parts = [
    `phase ${pod.status?.phase ?? 'Unknown'}`,
    unscheduled ? `unschedulable: ${unscheduled.message ?? unscheduled.reason ?? ''}` : '',
    ready ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}` : 'no Ready condition yet',
    ...waiting,
  ];
  return parts.filter(Boolean).join('; ');
}

/** One line per pod of the Deployment that is not Ready, saying why. */
export async function describeUnreadyPods(cluster: Cluster, d: V1Deployment): Promise<string[]> {
  const selector = selectorString(d.spec?.selector?.matchLabels ?? {});
  const pods = await cluster.list<V1Pod>('v1', 'Pod', d.metadata!.namespace!, selector);
  return pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .flatMap((p) => {
      const reason = podNotReadyReason(p);
      return reason ? [`pod ${p.metadata?.name}: ${reason}`] : [];
    });
}

export class RolloutTimeout extends Error {
  override name = 'RolloutTimeout';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for the Deployment's rollout to finish. Throws `RolloutTimeout` naming the pods that are not
 * Ready (and why) when `timeoutMs` passes or the progress deadline is exceeded.
 */
export async function waitForRollout(
  cluster: Cluster,
  namespace: string,
  name: string,
  timeoutMs: number,
  onProgress: (message: string) => void = () => {},
): Promise<V1Deployment> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let delay = 100; ; delay = Math.min(1_000, delay * 2)) {
    const d = await cluster.get<V1Deployment>(deploymentRef(namespace, name));
    const status = rolloutStatus(d);
    if (status.state === 'done') return d;
    if (status.message !== last) onProgress((last = status.message));
    if (status.state === 'failed' || Date.now() >= deadline) {
      const pods = await describeUnreadyPods(cluster, d);
      const why = status.state === 'failed' ? status.message : `not rolled out within ${Math.round(timeoutMs / 1000)}s (${status.message})`;
      throw new RolloutTimeout(`Deployment ${namespace}/${name} ${why}.${pods.length ? `\nPods not ready:\n  ${pods.join('\n  ')}` : ''}`);
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
  }
}
