import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../k8s/cluster.js';
import { deploymentRef } from '../k8s/objects.js';
import { formatDuration } from '../parse/duration.js';
import { decodeLease, describeHolder, encodeLease, grant, holderFor, standing, type Claimant, type Lease } from './lease.js';
import type { Log } from './load.js';
import { decodeCanaryState, type CanaryState } from './state.js';

/** This run's canary is no longer its own: rolled back, promoted or taken over by another run. */
export class LeaseLost extends Error {
  override name = 'LeaseLost';
}

/**
 * Extends this run's lease by its duration, with a check-and-set on the stable Deployment. Undefined when
 * the canary has no lease (one started before leases: nothing to renew). Throws `LeaseLost` when there
 * is no canary any more or another run holds its lease; it changes nothing then.
 */
export async function renewLease(cluster: Cluster, namespace: string, deployment: string, me: Claimant): Promise<Lease | undefined> {
  let renewed: Lease | undefined;
  await cluster.checkAndSet<V1Deployment>(deploymentRef(namespace, deployment), (d) => {
    renewed = undefined;
    const state = decodeCanaryState(d.metadata?.annotations);
    const lease = decodeLease(d.metadata?.annotations);
    if (!state) throw new LeaseLost(`The canary on ${namespace}/${deployment} is no longer in progress (promoted or rolled back).`);
    if (!lease) return undefined;
    if (standing(lease, me) !== 'mine') {
      throw new LeaseLost(`The canary on ${namespace}/${deployment} was taken over by another run (${describeHolder(lease.holder)}); this run no longer owns it.`);
    }
    renewed = grant(holderFor(me, lease.holder), lease.durationMs);
    return { metadata: { annotations: encodeLease(renewed) } };
  });
  return renewed;
}

export interface TakenLease {
  /** False when nothing was taken (no canary, or `onlyExpired` and the lease was not expired). */
  taken: boolean;
  state?: CanaryState;
  /** The lease as it was before (undefined when the canary had none). */
  previous?: Lease;
}

/**
 * Makes this run the holder of the canary's lease (for the lease's recorded duration, else `durationMs`)
 * through the check-and-set: of two runs racing, one writes and the other re-reads and sees it held.
 * `onlyExpired`: only an abandoned canary (a lease of another run past its expiry) is taken.
 * promote and auto-rollback take it before acting, so no takeover starts under them.
 */
export async function takeLease(cluster: Cluster, namespace: string, deployment: string, me: Claimant, o: { onlyExpired: boolean; durationMs: number }): Promise<TakenLease> {
  let result: TakenLease = { taken: false };
  const ref = deploymentRef(namespace, deployment);
  if (!(await cluster.find(ref))) return result; // no Deployment, no canary: the caller's own checks say so
  await cluster.checkAndSet<V1Deployment>(ref, (d) => {
    const state = decodeCanaryState(d.metadata?.annotations);
    const previous = decodeLease(d.metadata?.annotations);
    result = { taken: false, state, previous };
    if (!state) return undefined;
    if (o.onlyExpired && (!previous || standing(previous, me) !== 'expired')) return undefined;
    result.taken = true;
    return { metadata: { annotations: encodeLease(grant(holderFor(me, previous?.holder), previous?.durationMs ?? o.durationMs)) } };
  });
  return result;
}

/**
 * Keeps this run's lease alive while a long step works: `renew()` at each of its own beats (every
 * interval), and a timer at `periodMs` (at most a third of the lease) so a long interval or a long wait
 * never lets it lapse. Losing the lease aborts `signal` with `LeaseLost`; a failed renewal (API server
 * unreachable) is a warning and the next beat tries again (while the lease lasts, nobody can take it).
 */
export class LeaseKeeper {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  /** The timer's renewal under way, if any: `stop()` waits for it, so a step that ended writes nothing more. */
  private inFlight?: Promise<void>;
  lost?: LeaseLost;
  readonly signal = this.controller.signal;

  constructor(
    private readonly cluster: Cluster,
    private readonly namespace: string,
    private readonly deployment: string,
    private readonly me: Claimant,
    private readonly log: Log,
    private readonly warn: Log = log,
  ) {}

  async renew(): Promise<Lease | undefined> {
    if (this.lost) throw this.lost;
    try {
      return await renewLease(this.cluster, this.namespace, this.deployment, this.me);
    } catch (error) {
      if (error instanceof LeaseLost) {
        this.lost ??= error;
        this.controller.abort(this.lost);
      }
      throw error;
    }
  }

  /** `renew()` where only a loss throws: a failed renewal is a warning, and the next beat tries again. */
  async beat(): Promise<void> {
    try {
      await this.renew();
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      this.warn(`Could not renew the canary's lease (the next beat tries again): ${(error as Error)?.message ?? error}`);
    }
  }

  /** Starts the timer (once; later calls do nothing). A beat still under way when the next is due is not doubled. */
  start(periodMs: number): void {
    if (this.timer) return;
    this.log(`Renewing the canary's lease at least every ${formatDuration(periodMs)}.`);
    this.timer = setInterval(() => {
      // A loss is in `lost` and aborts `signal`.
      this.inFlight ??= this.beat().catch(() => {}).finally(() => (this.inFlight = undefined));
    }, periodMs);
    this.timer.unref(); // never what keeps a finished step alive
  }

  /** Stops the timer and waits for a renewal it had under way: once this resolves, the keeper writes nothing more. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}

/** The lease recorded on the stable Deployment now (for messages and checks). */
export async function readLease(cluster: Cluster, namespace: string, deployment: string): Promise<{ state?: CanaryState; lease?: Lease }> {
  const d = await cluster.get<V1Deployment>(deploymentRef(namespace, deployment));
  return { state: decodeCanaryState(d.metadata?.annotations), lease: decodeLease(d.metadata?.annotations) };
}
