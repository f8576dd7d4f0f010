import { key } from '../k8s/annotations.js';
import { LEASE_KEY } from './lease.js';
import type { RouteBinding, RouterKind } from '../traffic/kinds.js';
import { decodeMatch, encodeMatch } from '../traffic/match.js';
import { decodeAffinity, encodeAffinity } from '../traffic/affinity.js';

/** `shadow`: the canary gets a mirror of a share of stable's requests (its recorded weight is that share), no user traffic. */
export type Strategy = 'canary' | 'blue-green' | 'shadow';
export const STRATEGIES: readonly Strategy[] = ['canary', 'blue-green', 'shadow'];

/**
 * A canary in progress, recorded as annotations on the stable Deployment (and copied on the canary),
 * so any later step or a re-run knows where things stand without action outputs.
 */
export interface CanaryState {
  phase: 'starting' | 'ready';
  strategy: Strategy;
  router: RouteBinding;
  container: string;
  canary: string;
  baseline?: string;
  stableImage: string;
  canaryImage: string;
  modelVersion?: string;
  /** Percent of traffic on the canary now. */
  weight: number;
  startedAt: string;
  runUrl?: string;
  /** Identifies the run that owns the canary (its post step only cleans up its own). */
  owner: string;
}

const K = {
  phase: key('canary-phase'),
  strategy: key('strategy'),
  router: key('traffic-router'),
  route: key('route'),
  routeApiVersion: key('route-api-version'),
  stableService: key('stable-service'),
  match: key('match'),
  sessionCookie: key('session-cookie'),
  container: key('container'),
  canary: key('canary'),
  baseline: key('baseline'),
  stableImage: key('stable-image'),
  canaryImage: key('canary-image'),
  modelVersion: key('model-version'),
  weight: key('weight'),
  startedAt: key('started-at'),
  runUrl: key('run-url'),
  owner: key('owner'),
} as const;

/** Every annotation key a canary state uses, its lease included, to clear them all. */
export const CANARY_STATE_KEYS: readonly string[] = [...Object.values(K), LEASE_KEY];

export function encodeCanaryState(s: CanaryState): Record<string, string> {
  const entries: [string, string | undefined][] = [
    [K.phase, s.phase],
    [K.strategy, s.strategy],
    [K.router, s.router.kind],
    [K.route, s.router.route],
    [K.routeApiVersion, s.router.routeApiVersion],
    [K.stableService, s.router.stableService],
    [K.match, encodeMatch(s.router.match)],
    [K.sessionCookie, encodeAffinity(s.router.affinity)],
    [K.container, s.container],
    [K.canary, s.canary],
    [K.baseline, s.baseline],
    [K.stableImage, s.stableImage],
    [K.canaryImage, s.canaryImage],
    [K.modelVersion, s.modelVersion],
    [K.weight, String(s.weight)],
    [K.startedAt, s.startedAt],
    [K.runUrl, s.runUrl],
    [K.owner, s.owner],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined));
}

/** The recorded canary, or undefined when none is recorded (or the record is unreadable). */
export function decodeCanaryState(annotations: Record<string, string> | undefined): CanaryState | undefined {
  const a = annotations ?? {};
  const phase = a[K.phase];
  if (phase !== 'starting' && phase !== 'ready') return undefined;
  const weight = Number(a[K.weight]);
  if (!a[K.router] || !a[K.canary] || !a[K.container] || !Number.isFinite(weight)) return undefined;
  return {
    phase,
    strategy: a[K.strategy] === 'blue-green' || a[K.strategy] === 'shadow' ? (a[K.strategy] as Strategy) : 'canary',
    router: {
      kind: a[K.router] as RouterKind,
      route: a[K.route],
      routeApiVersion: a[K.routeApiVersion],
      stableService: a[K.stableService],
      ...(a[K.match] !== undefined ? { match: decodeMatch(a[K.match]) } : {}),
      ...(a[K.sessionCookie] !== undefined ? { affinity: decodeAffinity(a[K.sessionCookie]) } : {}),
      ...(a[K.strategy] === 'shadow' ? { shadow: true } : {}),
    },
    container: a[K.container],
    canary: a[K.canary],
    baseline: a[K.baseline],
    stableImage: a[K.stableImage] ?? '',
    canaryImage: a[K.canaryImage] ?? '',
    modelVersion: a[K.modelVersion],
    weight,
    startedAt: a[K.startedAt] ?? '',
    runUrl: a[K.runUrl],
    owner: a[K.owner] ?? '',
  };
}

/** One line naming a canary, for logs and errors. */
export function describeCanary(s: CanaryState): string {
  const model = s.modelVersion ? `, model version ${s.modelVersion}` : '';
  const by = s.runUrl ? ` by ${s.runUrl}` : '';
  return `${s.canary} (image ${s.canaryImage}${model}, ${s.weight}% traffic via ${s.router.kind}, started ${s.startedAt}${by})`;
}
