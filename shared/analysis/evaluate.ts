import type { IntervalMeasurements, Measurement, Observation } from './measurement.js';
import type { MetricSpec } from './metric-spec.js';
import { statOf } from './sample-stats.js';
import { quantileOf } from './histogram.js';

/** The bounds a metric can have; `max-increase` is relative to the control. */
export type BoundName = 'max-increase' | 'max' | 'min';

/**
 * What a metric's interval amounts to, for the checks it has: `ok`, or which kind of nothing.
 * A true zero (no errors, or a value of 0) is `ok`: it is evidence.
 */
export type MetricIntervalStatus = 'ok' | 'error' | 'empty' | 'no-traffic';

export interface SideReading {
  status: Measurement['status'];
  /** The interval's point value: the rate num/den, or the statistic of the samples. */
  value?: number;
  observation?: Observation;
  message?: string;
}

export interface MetricInterval {
  name: string;
  status: MetricIntervalStatus;
  canary: SideReading;
  control: SideReading;
  /** Bounds this interval's point values are outside of (what Flagger/Argo would count as a failed check). */
  breaches: BoundName[];
  /** For errors: the provider's message. */
  message?: string;
}

export interface IntervalEvaluation {
  t: number;
  metrics: MetricInterval[];
}

/** The allowed ratio canary/control: 1 + max-increase, or 1 - max-increase when higher is better. */
export function allowedRatio(spec: MetricSpec): number | undefined {
  if (spec.maxIncrease === undefined) return undefined;
  return spec.direction === 'higher-is-better' ? 1 - spec.maxIncrease : 1 + spec.maxIncrease;
}

function read(spec: MetricSpec, m: Measurement | undefined): SideReading {
  if (!m) return { status: 'error', message: 'not measured' };
  if (m.status === 'error') return { status: 'error', message: m.message };
  if (m.status !== 'ok') return { status: m.status };
  const o = m.observation;
  if (o.kind !== spec.kind) throw new TypeError(`metric '${spec.name}' is ${spec.kind} but was measured as ${o.kind}`);
  if (o.kind === 'ratio') {
    if (!(o.den > 0)) return { status: 'no-traffic' };
    return { status: 'ok', value: o.num / o.den, observation: o };
  }
  if (o.kind === 'histogram') {
    const value = quantileOf(o, spec.quantile ?? 0.95);
    return value === undefined ? { status: 'no-traffic' } : { status: 'ok', value, observation: o };
  }
  if (o.samples.length === 0) return { status: 'empty' };
  return { status: 'ok', value: statOf(o.samples, spec.stat), observation: o };
}

const WORST: MetricIntervalStatus[] = ['error', 'empty', 'no-traffic'];

/**
 * Evaluates one interval (pure): per metric, reads canary and control, says which kind of nothing each side
 * is, and which bounds the point values break. The control is only needed when the metric has `max-increase`.
 */
export function evaluateInterval(specs: readonly MetricSpec[], interval: IntervalMeasurements): IntervalEvaluation {
  const metrics = specs.map((spec): MetricInterval => {
    const pair = interval.metrics[spec.name];
    const canary = read(spec, pair?.canary);
    const control = read(spec, pair?.control);
    const ratio = allowedRatio(spec);
    const needed = ratio === undefined ? [canary] : [canary, control];
    const status = WORST.find((s) => needed.some((side) => side.status === s)) ?? 'ok';
    const breaches: BoundName[] = [];
    const c = canary.value;
    if (c !== undefined) {
      if (spec.max !== undefined && c > spec.max) breaches.push('max');
      if (spec.min !== undefined && c < spec.min) breaches.push('min');
      const s = control.value;
      if (ratio !== undefined && s !== undefined) {
        const worse = spec.direction === 'higher-is-better' ? c < ratio * s : c > ratio * s;
        if (worse) breaches.push('max-increase');
      }
    }
    const message = needed.find((side) => side.status === 'error')?.message;
    return { name: spec.name, status, canary, control, breaches, ...(message ? { message } : {}) };
  });
  return { t: interval.t, metrics };
}
