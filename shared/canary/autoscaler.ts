import { ConfigurationError } from '../errors.js';
import type { Cluster, KubeObject, ObjectRef } from '../k8s/cluster.js';
import { key } from '../k8s/annotations.js';
import { isNotFound } from '../k8s/errors.js';
import { servingReplicas } from '../k8s/serving.js';

/**
 * The autoscaler that owns a stable Deployment's replica count: a HorizontalPodAutoscaler (autoscaling/v2)
 * whose scaleTargetRef is the Deployment, or a KEDA ScaledObject (keda.sh/v1alpha1) targeting it, which owns
 * such an HPA (KEDA rewrites that HPA from the ScaledObject, so the ScaledObject is what ai-deploy edits).
 *
 * What ai-deploy does with it: for the duration of a canary the owner's minimum is raised to the replicas
 * stable runs when the canary starts (so the autoscaler cannot shrink stable while the canary takes a share
 * of its load: no capacity dip at promote), and promote raises it to what served before the cut-over. The
 * HPA stays the owner of stable's replica count; ai-deploy never writes a count the HPA would overwrite. The
 * original minimum is recorded on the object itself (`RESTORE`) and put back by promote, rollback, takeover
 * and cancel (all of which run `restoreAutoscaling`).
 */
export interface Autoscaler {
  /** The object ai-deploy edits: the HPA, or the ScaledObject that owns the HPA. */
  ref: ObjectRef;
  min: number;
  max: number;
}

export const RESTORE = key('autoscaler-restore');
const HPA = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };
const SCALED_OBJECT = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' };

const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;
const refOf = (kind: typeof HPA, o: KubeObject): ObjectRef => ({ ...kind, namespace: o.metadata!.namespace!, name: o.metadata!.name! });
const isKeda = (ref: ObjectRef) => ref.kind === SCALED_OBJECT.kind;
/** The field holding the minimum: `minReplicas` (HPA, default 1) or `minReplicaCount` (ScaledObject, default 0). */
const minField = (ref: ObjectRef) => (isKeda(ref) ? 'minReplicaCount' : 'minReplicas');

interface RestoreRecord {
  deployment: string;
  min: number | null;
}

function recordOf(o: KubeObject): RestoreRecord | undefined {
  try {
    const r = JSON.parse(o.metadata?.annotations?.[RESTORE] ?? '');
    return r && typeof r.deployment === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

function toAutoscaler(ref: ObjectRef, o: KubeObject): Autoscaler {
  const spec = o.spec ?? {};
  const keda = isKeda(ref);
  const min = spec[minField(ref)] ?? (keda ? 0 : 1);
  const max = (keda ? spec.maxReplicaCount : spec.maxReplicas) ?? 100;
  return { ref, min, max };
}

async function listOrNone(cluster: Cluster, kind: typeof HPA, namespace: string): Promise<KubeObject[]> {
  try {
    return await cluster.list(kind.apiVersion, kind.kind, namespace);
  } catch (error) {
    if (isNotFound(error)) return []; // the CRD is not installed: no KEDA here
    throw error;
  }
}

const targets = (o: KubeObject, deployment: string) => {
  const t = o.spec?.scaleTargetRef ?? {};
  return t.name === deployment && (t.kind ?? 'Deployment') === 'Deployment';
};

export interface FoundAutoscaler {
  autoscaler?: Autoscaler;
  /** Odd but harmless findings, each naming the object. */
  warnings: string[];
}

/**
 * The one autoscaler of `namespace/deployment`, found by scaleTargetRef, changing nothing. Two (two HPAs,
 * or an HPA and a ScaledObject that does not own it) are a ConfigurationError naming them: the HPA
 * controller refuses to scale such a Deployment (AmbiguousSelector). An HPA named after the Deployment
 * that scales another is a warning.
 */
export async function findAutoscaler(cluster: Cluster, namespace: string, deployment: string): Promise<FoundAutoscaler> {
  const [hpas, scaledObjects] = await Promise.all([listOrNone(cluster, HPA, namespace), listOrNone(cluster, SCALED_OBJECT, namespace)]);
  const kedaOwned = (h: KubeObject) =>
    (h.metadata?.ownerReferences ?? []).some((o) => o.kind === 'ScaledObject') || h.metadata?.labels?.['scaledobject.keda.sh/name'] !== undefined;
  const found = [
    ...scaledObjects.filter((s) => targets(s, deployment)).map((s) => toAutoscaler(refOf(SCALED_OBJECT, s), s)),
    ...hpas.filter((h) => targets(h, deployment) && !kedaOwned(h)).map((h) => toAutoscaler(refOf(HPA, h), h)),
  ];
  if (found.length > 1) {
    throw new ConfigurationError(
      `Deployment ${namespace}/${deployment} is scaled by ${found.length} autoscalers (${found.map((a) => describe(a.ref)).join(', ')}): ` +
        'the HPA controller refuses to scale a Deployment with more than one (AmbiguousSelector). Keep one of them before starting a canary; nothing was changed.',
    );
  }
  const warnings = hpas
    .filter((h) => h.metadata?.name === deployment && !targets(h, deployment))
    .map((h) => {
      const t = h.spec?.scaleTargetRef ?? {};
      return `${describe(refOf(HPA, h))} scales ${t.kind ?? 'Deployment'} ${t.name}, not Deployment ${deployment}: ai-deploy leaves it alone and treats ${deployment} as not autoscaled.`;
    });
  return { autoscaler: found[0], warnings };
}

/** What canary-deploy says, before it changes anything, about the autoscaler it found. */
export function autoscalerWarning(a: Autoscaler, deployment: string, replicas: number, router: string): string {
  return (
    `Deployment ${a.ref.namespace}/${deployment} is autoscaled by ${describe(a.ref)} (${a.min}..${a.max}, now ${replicas} replicas). ` +
    `For the canary its minimum is raised to ${Math.min(replicas, a.max)} (recorded on it, restored by promote, rollback and cancel), so stable keeps its capacity; ` +
    `the canary is sized from those ${replicas} replicas by the weight (${router}), and re-sized from stable's running replicas at every weight change.` +
    (router === 'replicas'
      ? ` On the \`replicas\` router the canary's pods carry stable's labels (that is how they share its Service), so ${describe(a.ref)} counts their CPU and memory too: ` +
        `a canary that runs hotter scales stable up, to at most ${a.max}. A traffic router (gateway-api, istio, ...) keeps them apart.`
      : '')
  );
}

/**
 * With `traffic-router: replicas`, one canary pod (and one baseline pod) beside the most stable pods the
 * autoscaler allows must not take more than `weight` percent, or the weight cannot be met at all: a
 * ConfigurationError naming the autoscaler.
 */
export function requireWeightFits(a: Autoscaler, deployment: string, weight: number, baseline: boolean): void {
  const tracks = baseline ? 2 : 1;
  const least = 100 / (a.max + tracks);
  if (least <= weight + 1e-9) return;
  const needed = Math.ceil((100 - weight * tracks) / weight);
  throw new ConfigurationError(
    `${describe(a.ref)} allows at most ${a.max} replicas of Deployment ${deployment}: beside them one canary pod${baseline ? ' and one baseline pod' : ''} already take ` +
      `${Math.round(least * 100) / 100}% of traffic on the \`replicas\` router, more than the \`weight\` ${weight}%. ` +
      `Raise its max to at least ${needed}, give a larger weight, or use a mesh router; nothing was changed.`,
  );
}

/**
 * Raises the autoscaler's minimum to `atLeast` (never above its max, never lowering it), recording the
 * user's minimum on the object first time only, in one check-and-set: a re-run converges. Returns the
 * minimum now in force.
 */
export async function raiseMinimum(cluster: Cluster, a: Autoscaler, deployment: string, atLeast: number): Promise<number> {
  const field = minField(a.ref);
  let now = 0;
  await cluster.checkAndSet(a.ref, (o) => {
    const current = toAutoscaler(a.ref, o);
    const wanted = Math.min(current.max, Math.max(current.min, atLeast));
    now = wanted;
    const record = recordOf(o) ?? { deployment, min: o.spec?.[field] ?? null };
    if (wanted === current.min && recordOf(o)) return undefined;
    return { metadata: { annotations: { [RESTORE]: JSON.stringify(record) } }, spec: { [field]: wanted } };
  });
  return now;
}

/**
 * Puts back the minimum recorded by `raiseMinimum` on every HPA and ScaledObject of `namespace` that
 * carries a record for `deployment`, and removes the record in the same write. Idempotent.
 */
export async function restoreAutoscaling(cluster: Cluster, namespace: string, deployment: string, log: (m: string) => void): Promise<void> {
  for (const kind of [HPA, SCALED_OBJECT]) {
    for (const o of await listOrNone(cluster, kind, namespace)) {
      if (recordOf(o)?.deployment !== deployment) continue;
      const ref = refOf(kind, o);
      let restored: number | null = null;
      await cluster
        .checkAndSet(ref, (fresh) => {
          const record = recordOf(fresh);
          if (record?.deployment !== deployment) return undefined;
          restored = record.min;
          return { metadata: { annotations: { [RESTORE]: null } }, spec: { [minField(ref)]: record.min } };
        })
        .catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
      log(`${describe(ref)}: minimum restored to ${restored ?? 'its default'}.`);
    }
  }
}

/**
 * canary-deploy's look at autoscaling, before it changes anything: finds the autoscaler (odd ones are
 * errors or warnings naming the object), checks the weight fits it, and says what will be done.
 */
export async function checkAutoscaling(
  cluster: Cluster,
  plan: { namespace: string; deployment: string; router: string; strategy: string; weight: number; baseline: boolean },
  stable: KubeObject,
  warn: (m: string) => void,
): Promise<Autoscaler | undefined> {
  const { autoscaler, warnings } = await findAutoscaler(cluster, plan.namespace, plan.deployment);
  for (const w of warnings) warn(w);
  if (!autoscaler) return undefined;
  if (plan.router === 'replicas' && plan.strategy !== 'blue-green') requireWeightFits(autoscaler, plan.deployment, plan.weight, plan.baseline);
  warn(autoscalerWarning(autoscaler, plan.deployment, servingReplicas(stable), plan.router));
  return autoscaler;
}

/** Replica counts around a promotion, for the summary. */
export interface PromoteCapacity {
  stableBefore: number;
  canaryBefore: number;
  /** What the new stable is brought to before the canary loses traffic (undefined: its own count is kept). */
  target?: number;
  autoscaler?: string;
}

/**
 * Before promote's cut-over: the replicas serving now (stable's and the canary's ready pods). With an
 * autoscaler, its minimum is raised to that sum (bounded by its max) so the new stable reaches it, and is
 * ready, before the canary loses traffic; the minimum is restored once the canary is gone (the HPA then
 * scales down at its own pace, through its scale-down stabilization window). Without one, stable keeps the
 * replica count its manifest sets.
 */
export async function holdCapacityForPromote(cluster: Cluster, namespace: string, deployment: string, stable: KubeObject, canary: KubeObject | undefined): Promise<PromoteCapacity> {
  const ready = (d: KubeObject | undefined) => d?.status?.readyReplicas ?? 0;
  const before = { stableBefore: ready(stable), canaryBefore: ready(canary) };
  const { autoscaler } = await findAutoscaler(cluster, namespace, deployment);
  if (!autoscaler) return before;
  const target = await raiseMinimum(cluster, autoscaler, deployment, before.stableBefore + before.canaryBefore);
  return { ...before, target, autoscaler: describe(autoscaler.ref) };
}
