import { randomBytes } from 'node:crypto';
import { key } from '../k8s/annotations.js';
import { formatDuration } from '../parse/duration.js';

/**
 * A canary's lease: which run may act on it, and until when. Its owner renews it (monitor-canary every
 * interval, canary-deploy's post step, promote); once it expires without a heartbeat, the canary is
 * abandoned and any other run may take it over (canary-deploy) or sweep it (auto-rollback `mode: abandoned`).
 * Recorded as one annotation on the stable Deployment, beside the canary state, and written through the
 * same resourceVersion check-and-set as the lock, so two runs racing for it cannot both win.
 */
export const LEASE_KEY = key('lease');

/** The run holding a lease. Runs with the same run id (some local runners) differ by their nonce. */
export interface LeaseHolder {
  repository: string;
  runId: string;
  runAttempt: number;
  /** Random, made by canary-deploy and kept in its step state (and the job's env for later steps). Not a secret. */
  nonce: string;
  runUrl?: string;
}

export interface Lease {
  holder: LeaseHolder;
  /** How long the canary may go without a heartbeat, in milliseconds; every renewal extends it by this much. */
  durationMs: number;
  renewedAt: string;
  expiresAt: string;
}

/** This run as the caller sees itself: `nonce` is undefined in a step that cannot know it (another job). */
export type Claimant = Omit<LeaseHolder, 'nonce'> & { nonce?: string };

/**
 * Where this step stands towards a lease: `mine` (held by this run, or by an earlier attempt of it,
 * which GitHub only starts once that attempt ended), `held` (valid and another run's), `expired`
 * (another run's, without a heartbeat past its expiry: abandoned).
 */
export type Standing = 'mine' | 'held' | 'expired';

/** canary-deploy's default `lease`; also the lease auto-rollback and promote hold when none is recorded. */
export const DEFAULT_LEASE_MS = 15 * 60_000;

/** The job's nonce, shared by canary-deploy with the later steps of its job through this variable. */
export const NONCE_ENV = 'AI_DEPLOY_LEASE_NONCE';

export const newNonce = (): string => randomBytes(12).toString('hex');

/** This run, from the runner's variables (outside Actions: `local`, attempt 1). */
export function currentClaimant(nonce: string | undefined = process.env[NONCE_ENV] || undefined, env: NodeJS.ProcessEnv = process.env): Claimant {
  const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
  const repository = env.GITHUB_REPOSITORY || 'local';
  const runId = env.GITHUB_RUN_ID || 'local';
  const runUrl = env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}/actions/runs/${runId}` : undefined;
  return { repository, runId, runAttempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1, nonce, ...(runUrl ? { runUrl } : {}) };
}

export function standing(lease: Lease, me: Claimant, now = Date.now()): Standing {
  const h = lease.holder;
  const sameRun = h.repository === me.repository && h.runId === me.runId;
  if (sameRun && h.runAttempt === me.runAttempt && (me.nonce === undefined || me.nonce === h.nonce)) return 'mine';
  if (sameRun && h.runAttempt < me.runAttempt) return 'mine';
  return Date.parse(lease.expiresAt) > now ? 'held' : 'expired';
}

/** A lease for `holder`, starting now. */
export function grant(holder: LeaseHolder, durationMs: number, now = Date.now()): Lease {
  return { holder, durationMs, renewedAt: new Date(now).toISOString(), expiresAt: new Date(now + durationMs).toISOString() };
}

/** The holder a claimant writes: its own nonce, or (a step without one renewing its run's lease) the recorded one. */
export function holderFor(me: Claimant, recorded?: LeaseHolder): LeaseHolder {
  return { ...me, nonce: me.nonce ?? recorded?.nonce ?? newNonce() };
}

export function encodeLease(lease: Lease): Record<string, string> {
  const { holder: h } = lease;
  return {
    [LEASE_KEY]: JSON.stringify({
      repository: h.repository,
      runId: h.runId,
      runAttempt: h.runAttempt,
      nonce: h.nonce,
      ...(h.runUrl ? { runUrl: h.runUrl } : {}),
      duration: formatDuration(lease.durationMs),
      durationMs: lease.durationMs,
      renewedAt: lease.renewedAt,
      expiresAt: lease.expiresAt,
    }),
  };
}

/** The recorded lease, or undefined when there is none (a canary started before leases) or it is unreadable. */
export function decodeLease(annotations: Record<string, string> | undefined): Lease | undefined {
  const raw = annotations?.[LEASE_KEY];
  if (!raw) return undefined;
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
  const repository = str(v.repository);
  const runId = str(v.runId);
  const nonce = str(v.nonce);
  const renewedAt = str(v.renewedAt);
  const expiresAt = str(v.expiresAt);
  const durationMs = Number(v.durationMs);
  const runAttempt = Number(v.runAttempt);
  if (!repository || !runId || !nonce || !renewedAt || !expiresAt || Number.isNaN(Date.parse(expiresAt))) return undefined;
  if (!(durationMs > 0) || !Number.isInteger(runAttempt)) return undefined;
  return { holder: { repository, runId, runAttempt, nonce, runUrl: str(v.runUrl) }, durationMs, renewedAt, expiresAt };
}

/** The run holding a lease, for messages: its URL when known (never the nonce). */
export function describeHolder(h: LeaseHolder): string {
  return h.runUrl ?? `run ${h.runId} attempt ${h.runAttempt} of ${h.repository}`;
}

/** `held by <run> until <time>` / `abandoned by <run> since <time>`, for logs and errors. */
export function describeLease(lease: Lease, now = Date.now()): string {
  const expired = Date.parse(lease.expiresAt) <= now;
  return expired
    ? `abandoned by ${describeHolder(lease.holder)}: its lease (${formatDuration(lease.durationMs)}) expired at ${lease.expiresAt}`
    : `its lease is held by ${describeHolder(lease.holder)} until ${lease.expiresAt}`;
}
