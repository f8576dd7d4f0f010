import type { V1Deployment } from '@kubernetes/client-node';
import { ConfigurationError } from '../errors.js';
import type { Cluster } from '../k8s/cluster.js';
import { getDeployment, findContainer, modelVersionOf } from '../k8s/deployment.js';
import { canonical, deploymentRef } from '../k8s/objects.js';
import { RolloutTimeout, rolloutStatus, waitForRollout } from '../k8s/rollout.js';
import { isConflict, isNotFound } from '../k8s/errors.js';
import { prepareRoute, type TrafficRouter } from '../traffic/index.js';
import { ensureTrackService, removeTrackService } from '../traffic/services.js';
import { decodeLease, describeLease, encodeLease, grant, standing, type LeaseHolder } from './lease.js';
import { canaryLost, claimOf, ClaimMismatch, claimOnObject, claimsWith, requireCanaryCurrent, TRAFFIC_CLAIMS } from './claim.js';
import { recordCanaryState, recordedRouter, type Log } from './load.js';
import { baselineName, canaryName } from './names.js';
import { rollbackCanary } from './rollback.js';
import { takeOverAbandoned, type Takeover } from './takeover.js';
import { describeCanary, decodeCanaryState, encodeCanaryState, type CanaryState, type Strategy } from './state.js';
import type { RouterKind } from '../traffic/kinds.js';
import type { MatchCondition } from '../traffic/match.js';
import type { SessionAffinity } from '../traffic/affinity.js';
import { trackDeployment, type Track } from './template.js';
import { gitopsWarnings } from './gitops.js';
import { checkAutoscaling, raiseMinimum } from './autoscaler.js';
import { servingReplicas } from '../k8s/serving.js';
import { convertedState, convertsShadow, refuseBackToShadow, requireConvertible } from './convert.js';

/** What canary-deploy was asked for, typed and checked at the action's edge. */
export interface CanaryPlan {
  namespace: string;
  deployment: string;
  container?: string;
  image?: string;
  modelVersion?: string;
  strategy: Strategy;
  router: RouterKind;
  route?: string;
  /** `match` conditions that always send a request to the canary (routers that support them, checked at the edge). */
  match?: MatchCondition[];
  /** `session-affinity: cookie` (gateway-api, istio): sessions stay on the version they started with. */
  affinity?: SessionAffinity;
  weight: number;
  baseline: boolean;
  timeoutMs: number;
  runUrl?: string;
  /** This run's identity, recorded so its post step cleans up only its own canary. */
  owner: string;
  /**
   * No traffic to the canary before `routeCanaryTraffic` (a `pre-traffic` gate runs in between). Mesh
   * routers hold it at 0% anyway; with `replicas` its pods first stay out of the stable Service (reachable
   * through a `<deployment>-canary` Service of their own) and join it, in a second rollout, once the gate passed.
   */
  holdTraffic?: boolean;
  /**
   * The lease this run records and holds (./lease.ts): a canary whose lease another run holds is refused;
   * one whose lease expired (abandoned) is rolled back first, as auto-rollback would.
   */
  lease?: { holder: LeaseHolder; durationMs: number };
}

export interface StartedCanary {
  state: CanaryState;
  /** False when the canary already stood as asked (a re-run): nothing was changed. */
  changed: boolean;
}

/** Pods of a track: a blue-green twin is full size; a canary is sized by its router for its share of traffic. */
export function trackReplicas(plan: Pick<CanaryPlan, 'strategy' | 'weight' | 'baseline'>, stableReplicas: number, router: Pick<TrafficRouter, 'trackReplicas'>): number {
  if (plan.strategy === 'blue-green') return Math.max(1, stableReplicas);
  return router.trackReplicas(stableReplicas, plan.weight, plan.baseline);
}

const sameCanary = (a: CanaryState, b: CanaryState) =>
  a.canaryImage === b.canaryImage &&
  a.modelVersion === b.modelVersion &&
  a.strategy === b.strategy &&
  a.router.kind === b.router.kind &&
  a.router.route === b.router.route &&
  JSON.stringify([a.router.match ?? [], a.router.affinity]) === JSON.stringify([b.router.match ?? [], b.router.affinity]) &&
  Boolean(a.baseline) === Boolean(b.baseline);

/** What `rollOutCanary` tells its caller as it happens (a later failure must not hide it). */
export interface CanaryEvents {
  /** The cluster now records this run as the canary's owner. */
  claimed?: (state: CanaryState) => void;
  /** An abandoned canary of another run (its lease expired) was rolled back before this one claimed. */
  tookOver?: (takeover: Takeover) => void;
  /** Said before anything changes: a GitOps controller (or an autoscaler) manages what the canary touches. */
  warn?: (message: string) => void;
}

/** A canary rolled out but not yet given its traffic (see `rollOutCanary`). */
export interface RolledOutCanary {
  state: CanaryState;
  changed: boolean;
  router: TrafficRouter;
  /** The canary was already ready (and given its traffic) before this run: there is no gate left to pass. */
  alreadyServing: boolean;
  /** `replicas` held from traffic: the track Deployments as they must be to join the stable Service. */
  joining?: V1Deployment[];
  /** This run turned a shadow canary into a weighted one (./convert.ts). */
  converted?: boolean;
}

/**
 * Starts (or converges to) a canary: checks everything first, claims the stable Deployment with a
 * check-and-set on its resourceVersion (a second, different canary fails naming the one in progress),
 * creates the canary (and baseline) Deployments, waits for their rollout, then moves `weight` percent
 * of traffic to the canary (blue-green: 0%). If the rollout fails, stable is restored and it throws.
 * `events.claimed` runs once the cluster records this run as the canary's owner (before any other change);
 * a re-run that finds the same canary ready does not take it over.
 */
export async function startCanary(cluster: Cluster, plan: CanaryPlan, log: Log, events: CanaryEvents = {}): Promise<StartedCanary> {
  return routeCanaryTraffic(cluster, plan, await rollOutCanary(cluster, plan, log, events), log);
}

/**
 * The first half of `startCanary`: claim, create, roll out. With a mesh router the canary's routing
 * exists at 0%, so nothing reaches the canary until `routeCanaryTraffic` (a `pre-traffic` gate runs in
 * between). With `replicas` the canary's pods join the stable Service as soon as they are Ready, unless
 * `holdTraffic` keeps them out until `routeCanaryTraffic`.
 */
export async function rollOutCanary(cluster: Cluster, plan: CanaryPlan, log: Log, events: CanaryEvents = {}): Promise<RolledOutCanary> {
  const { namespace, deployment } = plan;
  let stable = await getDeployment(cluster, namespace, deployment);
  const container = findContainer(stable, plan.container);
  refuseBadConversion(stable, plan, container.image ?? '', modelVersionOf(container));
  const route = await prepareRoute(cluster, plan.router, namespace, deployment, plan.route, plan.match, plan.affinity, plan.strategy === 'shadow');
  const warn = events.warn ?? log;
  for (const warning of await gitopsWarnings(cluster, stable, route.binding)) warn(warning);
  const autoscaler = await checkAutoscaling(cluster, plan, stable, warn);
  // Everything checked: an abandoned canary of another run is rolled back before this one claims.
  const takeover = plan.lease && (await takeOverAbandoned(cluster, namespace, deployment, plan.lease.holder, plan.lease.durationMs, log, plan.runUrl));
  if (takeover) {
    events.tookOver?.(takeover);
    stable = await getDeployment(cluster, namespace, deployment);
  }
  const wanted: CanaryState = {
    phase: 'starting',
    strategy: plan.strategy,
    router: route.binding,
    container: container.name,
    canary: canaryName(deployment),
    baseline: plan.baseline ? baselineName(deployment) : undefined,
    stableImage: container.image ?? '',
    canaryImage: plan.image ?? container.image ?? '',
    modelVersion: plan.modelVersion ?? modelVersionOf(container),
    weight: 0,
    startedAt: new Date().toISOString(),
    runUrl: plan.runUrl,
    owner: plan.owner,
  };

  // Claim: check-and-set on the stable Deployment's annotations (409 -> read again, decide again).
  let previous: CanaryState | undefined;
  let converting = false;
  const claimed = await cluster
    .checkAndSet<V1Deployment>(deploymentRef(namespace, deployment), (d) => {
      previous = decodeCanaryState(d.metadata?.annotations);
      const lease = decodeLease(d.metadata?.annotations);
      converting = previous !== undefined && convertsShadow(previous, { ...wanted, baseline: plan.baseline });
      // A shadow canary is turned into a weighted one by its own run, in any of its jobs (as monitor-canary acts on it).
      const me = plan.lease && (converting ? { ...plan.lease.holder, nonce: undefined } : plan.lease.holder);
      if (previous && lease && me && standing(lease, me) !== 'mine') throw new CanaryInProgress(previous, describeLease(lease));
      const leased = plan.lease ? encodeLease(grant(plan.lease.holder, plan.lease.durationMs)) : {};
      if (converting) return { metadata: { annotations: { ...encodeCanaryState(convertedState(previous!, wanted.router)), ...leased } } };
      if (previous && !sameCanary(previous, wanted)) throw new CanaryInProgress(previous);
      // A ready canary is left to its owner (whose lease this renews); an unfinished one is taken over by this run.
      if (previous?.phase === 'ready') return plan.lease ? { metadata: { annotations: leased } } : undefined;
      const next = previous ? { ...previous, owner: plan.owner, runUrl: plan.runUrl ?? previous.runUrl } : wanted;
      return { metadata: { annotations: { ...encodeCanaryState(next), ...leased } } };
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof CanaryInProgress)) throw error;
      const live = await describeLive(cluster, namespace, deployment, error.state);
      if (error.lease) {
        throw new ConfigurationError(
          `A canary for Deployment ${namespace}/${deployment} is already in progress: ${live}; ${error.lease}. ` +
            'Let that run finish, or roll it back (auto-rollback, mode: canary); once its lease expires without a heartbeat, the next canary-deploy takes it over.',
        );
      }
      throw new ConfigurationError(
        `A canary for Deployment ${namespace}/${deployment} is already in progress: ${live}. Promote it or roll it back (auto-rollback, mode: canary) before starting another.`,
      );
    });
  const state = decodeCanaryState(claimed.metadata?.annotations)!;
  if (previous) log(`Found the canary already recorded: ${describeCanary(previous)}.`);
  if (converting) log(`Turning the shadow canary into a weighted canary: the mirror is removed and ${plan.weight}% of real traffic given in one write of the route.`);
  // Converting makes this run answerable for the canary until it finished: its post step rolls back what did not.
  if (state.owner === plan.owner || converting) events.claimed?.(state);

  const router = recordedRouter(cluster, namespace, deployment, state);
  // The autoscaler keeps stable at least where it stands for the canary's duration (restored on every exit).
  if (autoscaler) await raiseMinimum(cluster, autoscaler, deployment, servingReplicas(stable));
  const replicas = trackReplicas(plan, servingReplicas(stable), router);
  const hold = plan.holdTraffic && previous?.phase !== 'ready' ? await router.holdTraffic(stable) : undefined;
  let changed = false;
  const tracks: [Track, string][] = [['canary', state.canary], ...(state.baseline ? [['baseline', state.baseline] as [Track, string]] : [])];
  const desired = (isolatedLabelKeys: string[]) =>
    tracks.map(([track, name]) =>
      trackDeployment(stable, {
        track,
        name,
        replicas,
        container: container.name,
        image: track === 'canary' ? plan.image : undefined,
        modelVersion: track === 'canary' ? plan.modelVersion : undefined,
        isolatedLabelKeys,
        annotations: { ...encodeCanaryState(state), [TRAFFIC_CLAIMS]: claimsWith(undefined, deployment, claimOf(state))! },
      }),
    );
  for (const d of desired(hold ? hold.isolatedLabelKeys : route.isolatedLabelKeys)) changed = (await applyTrack(cluster, d, log, { mayCreate: true })) || changed;
  // Mesh routers: the canary's Service and route entries exist from the start, at 0% until it is
  // ready (an unfinished run's canary is taken back to 0% too, so a gate never runs on a serving canary),
  // stamped with this canary's claim, which every later traffic write requires.
  if (previous?.phase !== 'ready') await router.prepare();
  if (hold?.stableService) {
    await ensureTrackService(cluster, namespace, deployment, state.canary, 'canary', hold.stableService);
    log(`Holding ${state.canary} out of the stable Service until its gate passes; Service ${state.canary} reaches its pods.`);
  }
  await awaitTracks(cluster, plan, tracks.map(([, name]) => name), log).catch(async (error: unknown) => {
    // A track deleted under the rollout: someone rolled the canary back (or took it over); say who.
    throw isNotFound(error) ? await canaryLost(cluster, namespace, deployment, state, 'canary-deploy') : error;
  });
  return { state, changed, router, alreadyServing: previous?.phase === 'ready', joining: hold ? desired(route.isolatedLabelKeys) : undefined, ...(converting ? { converted: true } : {}) };
}

/**
 * The second half of `startCanary`: moves `weight` percent of traffic to the rolled-out canary
 * (blue-green: 0%) and records it ready; a held `replicas` canary first joins the stable Service (a
 * rollout; on timeout stable is restored). Run again with the same plan, it changes nothing.
 */
export async function routeCanaryTraffic(cluster: Cluster, plan: CanaryPlan, rolled: RolledOutCanary, log: Log): Promise<StartedCanary> {
  const { namespace, deployment } = plan;
  let { state, changed } = rolled;
  const { router } = rolled;
  const planned = state;
  // The canary may have been rolled back, promoted or taken over while it rolled out (or its gate ran):
  // then nothing more is written, and nothing is re-created.
  await requireCanaryCurrent(cluster, namespace, deployment, planned, 'canary-deploy');
  if (rolled.joining) {
    try {
      for (const d of rolled.joining) changed = (await applyTrack(cluster, d, log, { claim: claimOf(planned), deployment })) || changed;
      await awaitTracks(cluster, plan, rolled.joining.map((d) => d.metadata!.name!), log);
    } catch (error) {
      // Deleted or re-claimed under this step (a rollback, a takeover): say who, write nothing more.
      if (error instanceof ClaimMismatch || isNotFound(error)) throw await canaryLost(cluster, namespace, deployment, planned, 'canary-deploy');
      throw error;
    }
    await removeTrackService(cluster, namespace, deployment, state.canary);
    log(`${state.canary} passed its gate and joined the stable Service.`);
  }
  const weight = plan.strategy === 'blue-green' ? 0 : plan.weight;
  if (!(await router.carries(weight))) {
    try {
      await router.setWeight(weight);
    } catch (error) {
      if (error instanceof ClaimMismatch) throw await canaryLost(cluster, namespace, deployment, planned, 'canary-deploy');
      throw error;
    }
    changed = true;
  }
  const current = await router.current();
  // Every router says where traffic stands, so the step's Traffic log group is never empty.
  const share = plan.strategy === 'shadow' ? `a mirror of ${current}% of stable's requests and no user traffic` : `${current}% of traffic`;
  log(`${state.canary} receives ${share} (${plan.router}${plan.route ? ` route ${plan.route}` : ''}).`);
  if (state.phase !== 'ready' || state.weight !== current || changed) {
    state = { ...state, phase: 'ready', weight: current };
    await recordCanaryState(cluster, namespace, deployment, state, planned, 'canary-deploy');
    changed = true;
  }
  return { state, changed };
}

/** Waits for the tracks' rollout; on a timeout restores stable (canary removed) and throws saying why. */
async function awaitTracks(cluster: Cluster, plan: CanaryPlan, names: string[], log: Log): Promise<void> {
  try {
    for (const name of names) await waitForRollout(cluster, plan.namespace, name, plan.timeoutMs, log);
  } catch (error) {
    if (!(error instanceof RolloutTimeout)) throw error;
    log(`${error.message}\nRestoring stable.`);
    await rollbackCanary(cluster, plan.namespace, plan.deployment, log, { reason: `canary-deploy: ${error.message.split('\n')[0]}`, by: plan.runUrl });
    throw new Error(`The canary did not become ready; stable serves all traffic again. ${error.message}`);
  }
}

/**
 * Creates the track's Deployment (only with `mayCreate`: the rollout, never a later traffic step) or
 * brings it to the desired spec; true when it wrote anything. With `claim`, an update requires the track to
 * still carry that canary claim (`ClaimMismatch` otherwise, or when it is gone).
 */
async function applyTrack(cluster: Cluster, desired: V1Deployment, log: Log, o: { mayCreate?: boolean; claim?: string; deployment?: string }): Promise<boolean> {
  const ref = deploymentRef(desired.metadata!.namespace!, desired.metadata!.name!);
  const existing = await cluster.find<V1Deployment>(ref);
  if (!existing && !o.mayCreate) throw new ClaimMismatch(`Deployment ${ref.name} is gone`);
  if (!existing) {
    try {
      await cluster.create(desired);
      log(`Created ${ref.name} (${desired.spec!.replicas} replicas).`);
      return true;
    } catch (error) {
      // Created by an earlier try whose answer was lost: bring it to the desired spec like any existing one.
      if (!isConflict(error)) throw error;
    }
  }
  const current = existing ?? (await cluster.get<V1Deployment>(ref));
  const same =
    canonical(current.spec?.template) === canonical(desired.spec?.template) &&
    current.spec?.replicas === desired.spec?.replicas &&
    current.metadata?.annotations?.[TRAFFIC_CLAIMS] === desired.metadata?.annotations?.[TRAFFIC_CLAIMS] &&
    rolloutStatus(current).state !== 'failed';
  if (same) return false;
  await cluster.update<V1Deployment>(ref, (d) => {
    if (o.claim && (d.metadata?.deletionTimestamp || claimOnObject(d, o.deployment!) !== o.claim)) throw new ClaimMismatch(`Deployment ${ref.name} does not carry this canary's claim`);
    d.spec = { ...d.spec!, replicas: desired.spec!.replicas, template: desired.spec!.template };
    d.metadata = { ...d.metadata, annotations: { ...d.metadata?.annotations, ...desired.metadata?.annotations } };
    return true;
  });
  log(`Updated ${ref.name} to the new pod template (${desired.spec!.replicas} replicas).`);
  return true;
}

/** A recorded shadow canary and a run asking for another strategy: a clear error unless it is a conversion (./convert.ts). */
function refuseBadConversion(stable: V1Deployment, plan: CanaryPlan, stableImage: string, stableModelVersion: string | undefined): void {
  const recorded = decodeCanaryState(stable.metadata?.annotations);
  const lease = decodeLease(stable.metadata?.annotations);
  // Another run's canary is refused at the claim naming its lease (held), or taken over (abandoned): never converted.
  if (!recorded || (lease && plan.lease && standing(lease, { ...plan.lease.holder, nonce: undefined }) !== 'mine')) return;
  if (recorded.strategy === 'canary' && plan.strategy === 'shadow') refuseBackToShadow(recorded);
  if (recorded.strategy !== 'shadow' || plan.strategy === 'shadow') return;
  const router = { kind: plan.router, route: plan.route, match: plan.match, affinity: plan.affinity };
  requireConvertible(recorded, { strategy: plan.strategy, router, canaryImage: plan.image ?? stableImage, modelVersion: plan.modelVersion ?? stableModelVersion, baseline: plan.baseline });
}

/** Thrown inside the claim's decision when a different canary is recorded. */
class CanaryInProgress extends Error {
  /** `lease`: the description of the valid lease another run holds on it, when that is why it is refused. */
  constructor(
    readonly state: CanaryState,
    readonly lease?: string,
  ) {
    super('canary in progress');
  }
}

/** The recorded canary with the traffic its router really gives it now (not the weight recorded earlier). */
async function describeLive(cluster: Cluster, namespace: string, deployment: string, state: CanaryState): Promise<string> {
  try {
    const now = await recordedRouter(cluster, namespace, deployment, state).current();
    return describeCanary({ ...state, weight: now });
  } catch {
    return `${describeCanary(state)} (weight as recorded; the router could not be read)`;
  }
}
