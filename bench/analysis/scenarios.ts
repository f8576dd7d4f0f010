import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { Rng } from './rng.js';

/**
 * A generated scenario set: canary vs stable (90% of traffic) over 30 one-minute intervals, two metrics.
 * Noise is meant to look like production, not like a textbook: traffic swings, error rates that move for
 * both targets together (a flaky dependency) and for each target alone (pods differ: overdispersed counts),
 * lognormal request latencies with load-driven drift, flaky spikes, low traffic and missing data.
 */
export const HORIZON = 30;
export const CANARY_WEIGHT = 0.1;

/** The thresholds every tool is given (as each would be configured for the same intent). */
export const SPECS: MetricSpec[] = [
  { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', max: 0.05, maxIncrease: 0.5 },
  { name: 'p95-latency', kind: 'value', direction: 'lower-is-better', stat: 'p95', max: 2000, maxIncrease: 0.25 },
];

export interface Scenario {
  name: string;
  bad: boolean;
  /**
   * Exactly at the allowed margin: acceptable by the user's own definition (within `max-increase`), so a fail
   * is a false fail; kept apart from the noise-only healthy scenarios so both calibrations can be shown.
   */
  edge?: boolean;
  /** Requests per minute for the whole service (median; each trace draws its own). */
  rpm: number;
  errorEffect?: number;
  latencyEffect?: number;
  flaky?: boolean;
  missing?: boolean;
  /** Latency recorded as one p95 per interval (as a provider returns it) instead of raw samples. */
  p95Only?: boolean;
}

export const SCENARIOS: Scenario[] = [
  { name: 'healthy', bad: false, rpm: 2000 },
  { name: 'healthy, low traffic', bad: false, rpm: 150 },
  { name: 'healthy, flaky spikes', bad: false, rpm: 2000, flaky: true },
  { name: 'healthy, missing data', bad: false, rpm: 2000, missing: true },
  { name: 'healthy, p95 values only', bad: false, rpm: 2000, p95Only: true },
  { name: 'healthy, worse within margin', bad: false, rpm: 2000, errorEffect: 1.25, latencyEffect: 1.1 },
  { name: 'at the margin', bad: false, edge: true, rpm: 2000, errorEffect: 1.5, latencyEffect: 1.25 },
  { name: 'errors x2', bad: true, rpm: 2000, errorEffect: 2 },
  { name: 'errors x3', bad: true, rpm: 2000, errorEffect: 3 },
  { name: 'errors x10', bad: true, rpm: 2000, errorEffect: 10 },
  { name: 'errors x3, low traffic', bad: true, rpm: 150, errorEffect: 3 },
  { name: 'errors x3, flaky spikes', bad: true, rpm: 2000, errorEffect: 3, flaky: true },
  { name: 'errors x3, missing data', bad: true, rpm: 2000, errorEffect: 3, missing: true },
  { name: 'latency x1.5', bad: true, rpm: 2000, latencyEffect: 1.5 },
  { name: 'latency x2', bad: true, rpm: 2000, latencyEffect: 2 },
  { name: 'latency x3', bad: true, rpm: 2000, latencyEffect: 3 },
  { name: 'latency x2, p95 values only', bad: true, rpm: 2000, latencyEffect: 2, p95Only: true },
  // Added later; appended so that the traces of the scenarios above stay the same for a seed.
  { name: 'errors x5', bad: true, rpm: 2000, errorEffect: 5 },
  { name: 'at the margin, errors only', bad: false, edge: true, rpm: 2000, errorEffect: 1.5 },
  { name: 'at the margin, latency only', bad: false, edge: true, rpm: 2000, latencyEffect: 1.25 },
];

const MAX_RECORDED_SAMPLES = 200;

type Entry = Record<string, unknown>;
export interface Trace {
  interval: string;
  metrics: Record<string, { canary: Entry[]; control: Entry[] }>;
}

function p95(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const h = (s.length - 1) * 0.95;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[lo + 1] ?? s[lo]) - s[lo]);
}

/** One trace of a scenario, deterministic for (scenario, seed). */
export function generateTrace(sc: Scenario, rng: Rng): Trace {
  const rpm = sc.rpm * rng.lognormal(0, 0.4);
  const baseError = rng.logUniform(0.001, 0.02);
  const baseLatency = rng.logUniform(60, 400);
  const phase = rng.uniform() * 2 * Math.PI;
  const err = { canary: [] as Entry[], control: [] as Entry[] };
  const lat = { canary: [] as Entry[], control: [] as Entry[] };
  // A provider outage of 2-3 intervals in some traces (missing-data scenarios).
  const outageAt = sc.missing && rng.chance(0.5) ? 1 + Math.floor(rng.uniform() * (HORIZON - 3)) : -1;
  const outageLen = 2 + Math.floor(rng.uniform() * 2);
  for (let i = 0; i < HORIZON; i++) {
    const t = (i + 1) * 60;
    const traffic = rpm * (1 + 0.2 * Math.sin(phase + (2 * Math.PI * i) / 60)) * rng.lognormal(0, 0.1);
    const sharedError = rng.lognormal(-0.045, 0.3);
    const sharedLoad = rng.lognormal(0, 0.08);
    let spikeErr = 1;
    let spikeLat = 1;
    let canaryBlipErr = 1;
    let canaryBlipLat = 1;
    if (sc.flaky) {
      if (rng.chance(0.05)) [spikeErr, spikeLat] = [4, 1.8];
      if (rng.chance(0.03)) [canaryBlipErr, canaryBlipLat] = [2.5, 1.3];
    }
    for (const side of ['canary', 'control'] as const) {
      const isCanary = side === 'canary';
      const n = rng.poisson(traffic * (isCanary ? CANARY_WEIGHT : 1 - CANARY_WEIGHT));
      const p = baseError * sharedError * spikeErr * rng.lognormal(-0.011, 0.15) * (isCanary ? (sc.errorEffect ?? 1) * canaryBlipErr : 1);
      const errors = rng.binomial(n, Math.min(1, p));
      const scale = baseLatency * sharedLoad * spikeLat * rng.lognormal(0, 0.04) * (isCanary ? (sc.latencyEffect ?? 1) * canaryBlipLat : 1);
      const recorded = Math.min(n, MAX_RECORDED_SAMPLES);
      const samples: number[] = new Array(recorded);
      for (let k = 0; k < recorded; k++) samples[k] = Math.round(scale * rng.lognormal(0, 0.5) * 10) / 10;
      const inOutage = i >= outageAt && i < outageAt + outageLen && outageAt >= 0;
      const errEntry: Entry = inOutage ? { t, error: 'prometheus: connection refused' } : sc.missing && rng.chance(0.07) ? { t, num: null, den: null } : { t, num: errors, den: n };
      const latEntry: Entry = inOutage
        ? { t, error: 'prometheus: connection refused' }
        : (sc.missing && rng.chance(0.07)) || recorded === 0
          ? { t, v: null }
          : { t, v: sc.p95Only ? Math.round(p95(samples) * 10) / 10 : samples };
      err[side].push(errEntry);
      lat[side].push(latEntry);
    }
  }
  return { interval: '1m', metrics: { 'error-rate': err, 'p95-latency': lat } };
}

/** `count` traces per scenario; the seed fixes everything. */
export function generateSet(seed: number, count: (sc: Scenario) => number): { scenario: Scenario; traces: Trace[] }[] {
  return SCENARIOS.map((scenario, s) => {
    const rng = new Rng(seed * 1000 + s);
    return { scenario, traces: Array.from({ length: count(scenario) }, () => generateTrace(scenario, rng)) };
  });
}
