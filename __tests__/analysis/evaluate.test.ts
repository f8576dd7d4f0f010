import { describe, expect, it } from '@jest/globals';
import { evaluateInterval } from '../../shared/analysis/evaluate.js';
import type { Measurement } from '../../shared/analysis/measurement.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';

const errorRate: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', max: 0.05, maxIncrease: 0.5 };
const latency: MetricSpec = { name: 'latency', kind: 'value', direction: 'lower-is-better', stat: 'p95', max: 500 };
const ratio = (num: number, den: number): Measurement => ({ status: 'ok', observation: { kind: 'ratio', num, den } });
const samples = (...s: number[]): Measurement => ({ status: 'ok', observation: { kind: 'value', samples: s } });

function one(spec: MetricSpec, canary: Measurement, control: Measurement) {
  return evaluateInterval([spec], { t: 60, metrics: { [spec.name]: { canary, control } } }).metrics[0];
}

describe('evaluateInterval', () => {
  it('reads a true zero (no errors out of real traffic) as ok evidence, not as missing data', () => {
    const m = one(errorRate, ratio(0, 500), ratio(3, 4500));
    expect(m.status).toBe('ok');
    expect(m.canary.value).toBe(0);
    expect(m.breaches).toEqual([]);
  });

  it('reads zero traffic as no-traffic, never as a zero error rate', () => {
    const m = one(errorRate, ratio(0, 0), ratio(3, 4500));
    expect(m.status).toBe('no-traffic');
    expect(m.canary.value).toBeUndefined();
  });

  it('keeps an empty series apart from zero traffic and from errors', () => {
    expect(one(errorRate, { status: 'empty' }, ratio(3, 4500)).status).toBe('empty');
    expect(one(latency, samples(), samples(1)).status).toBe('empty');
  });

  it('reports a provider error with its message, and errors outrank the other kinds of nothing', () => {
    const m = one(errorRate, { status: 'error', message: 'HTTP 502 from prometheus' }, { status: 'empty' });
    expect(m.status).toBe('error');
    expect(m.message).toBe('HTTP 502 from prometheus');
  });

  it('treats a metric the provider did not return at all as an error', () => {
    const m = evaluateInterval([errorRate], { t: 60, metrics: {} }).metrics[0];
    expect(m.status).toBe('error');
  });

  it('needs the control only for a relative bound: a missing control does not hide an absolute check', () => {
    const m = one(latency, samples(100, 200, 900), { status: 'error', message: 'x' });
    expect(m.status).toBe('ok');
    expect(m.canary.value).toBeCloseTo(830, 0);
    expect(m.breaches).toEqual(['max']);
  });

  it('flags the bounds the point values break, relative and absolute', () => {
    expect(one(errorRate, ratio(40, 500), ratio(9, 4500)).breaches).toEqual(['max', 'max-increase']);
    expect(one(errorRate, ratio(2, 500), ratio(9, 4500)).breaches).toEqual(['max-increase']);
    expect(one(errorRate, ratio(1, 500), ratio(9, 4500)).breaches).toEqual([]);
  });

  it('judges higher-is-better metrics against a drop', () => {
    const success: MetricSpec = { name: 's', kind: 'ratio', direction: 'higher-is-better', maxIncrease: 0.1, min: 0.9 };
    expect(one(success, ratio(400, 500), ratio(4450, 4500)).breaches).toEqual(['min', 'max-increase']);
  });

  it('refuses an observation of the wrong kind (a provider bug, not a user mistake)', () => {
    expect(() => one(errorRate, samples(1), ratio(1, 2))).toThrow(TypeError);
  });
});
