import type { V1Container, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { PROMOTION, ROLLBACK } from '../k8s/annotations.js';
import { findContainer, getDeployment, modelVersionOf, MODEL_VERSION_ENV } from '../k8s/deployment.js';
import { deploymentRef, selectorString } from '../k8s/objects.js';
import { waitForRollout } from '../k8s/rollout.js';
import type { Log } from './load.js';
import type { RollbackRecord } from './rollback.js';

const REVISION = 'deployment.kubernetes.io/revision';

export interface RevisionRollback {
  rolledBack: boolean;
  fromImage: string;
  toImage: string;
}

/** What a revision rollback restores, per container: its image and MODEL_VERSION. */
interface ContainerVersion {
  name: string;
  image: string;
  modelVersion?: string;
}

const versionOf = (c: V1Container): ContainerVersion => ({ name: c.name, image: c.image ?? '', modelVersion: modelVersionOf(c) });

/**
 * The previous revision of a Deployment from its real ReplicaSet history: the ReplicaSet it owns with
 * the highest revision below the current one (what `kubectl rollout undo` picks).
 */
export function previousRevision(d: V1Deployment, replicaSets: V1ReplicaSet[]): V1ReplicaSet | undefined {
  const current = Number(d.metadata?.annotations?.[REVISION] ?? 0);
  return replicaSets
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid))
    .map((rs) => ({ rs, revision: Number(rs.metadata?.annotations?.[REVISION] ?? 0) }))
    .filter((r) => r.revision > 0 && r.revision < current)
    .sort((a, b) => b.revision - a.revision)[0]?.rs;
}

/**
 * Rolls a Deployment back to its previous revision: each container's image and MODEL_VERSION from the
 * previous ReplicaSet, or (when history is gone) the previous image recorded by promote. Records the
 * reason, waits for the rollout. Run again right after, it sees its own record and changes nothing
 * (it never flips back to the bad version).
 */
export async function rollbackRevision(cluster: Cluster, namespace: string, deployment: string, containerName: string | undefined, timeoutMs: number, log: Log, record: RollbackRecord): Promise<RevisionRollback> {
  const d = await getDeployment(cluster, namespace, deployment);
  const container = findContainer(d, containerName);
  const annotations = d.metadata?.annotations ?? {};
  const currentImage = container.image ?? '';
  if (annotations[ROLLBACK.mode] === 'revision' && annotations[ROLLBACK.toImage] === currentImage && annotations[ROLLBACK.fromImage]) {
    log(`${namespace}/${deployment} was already rolled back from ${annotations[ROLLBACK.fromImage]} to ${currentImage} (${annotations[ROLLBACK.at]}). Nothing to do.`);
    return { rolledBack: false, fromImage: annotations[ROLLBACK.fromImage], toImage: currentImage };
  }

  const replicaSets = await cluster.list<V1ReplicaSet>('apps/v1', 'ReplicaSet', namespace, selectorString(d.spec?.selector?.matchLabels ?? {}));
  const previous = previousRevision(d, replicaSets);
  let target: ContainerVersion[];
  if (previous) {
    target = (previous.spec?.template?.spec?.containers ?? []).map(versionOf);
    log(`Previous revision ${previous.metadata?.annotations?.[REVISION]} (ReplicaSet ${previous.metadata?.name}).`);
  } else if (annotations[PROMOTION.previousImage]) {
    target = [{ name: container.name, image: annotations[PROMOTION.previousImage], modelVersion: annotations[PROMOTION.previousModelVersion] }];
    log(`No earlier ReplicaSet left; using the previous image recorded by promote.`);
  } else {
    throw new Error(`Deployment ${namespace}/${deployment} has no previous revision to roll back to (no earlier ReplicaSet, no image recorded by promote).`);
  }
  const toImage = target.find((t) => t.name === container.name)?.image ?? currentImage;

  await cluster.checkAndSet<V1Deployment>(
    deploymentRef(namespace, deployment),
    () => ({
      metadata: {
        annotations: {
          [ROLLBACK.mode]: 'revision',
          [ROLLBACK.reason]: record.reason,
          [ROLLBACK.at]: new Date().toISOString(),
          [ROLLBACK.fromImage]: currentImage,
          [ROLLBACK.toImage]: toImage,
          ...(record.by ? { [ROLLBACK.by]: record.by } : {}),
        },
      },
      spec: {
        template: {
          spec: {
            containers: target.map((t) => ({
              name: t.name,
              image: t.image,
              ...(t.modelVersion ? { env: [{ name: MODEL_VERSION_ENV, value: t.modelVersion }] } : {}),
            })),
          },
        },
      },
    }),
    'strategic',
  );
  log(`Rolling ${deployment} back from ${currentImage} to ${toImage}; waiting for the rollout.`);
  await waitForRollout(cluster, namespace, deployment, timeoutMs, log);
  return { rolledBack: true, fromImage: currentImage, toImage };
}
