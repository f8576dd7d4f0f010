import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/errors.js';
import { Assessment, type AssessmentOptions } from '../../shared/analysis/assessment.js';
import type { IntervalMeasurements, Measurement } from '../../shared/analysis/measurement.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { heartbeat } from '../../shared/analysis/report.js';
import { FAIL_AT_SHARE } from '../../shared/analysis/metric-evidence.js';
import { mostFails, fewestFails, runsToCatch, seeded } from './support/binomial.js';
import { normal, poisson } from './support/random.js';

const errorRate: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', max: 0.05, maxIncrease: 0.5 };
const latency: MetricSpec = { name: 'p95-latency', kind: 'value', direction: 'lower-is-better', maxIncrease: 0.25 };
const ratio = (num: number, den: number): Measurement => ({ status: 'ok', observation: { kind: 'ratio', num, den } });
const value = (v: number): Measurement => ({ status: 'ok', observation: { kind: 'value', samples: [v] } });

type Pair = { canary: Measurement; control: Measurement };
function run(specs: MetricSpec[], intervals: number, at: (i: number) => Record<string, Pair>, options: AssessmentOptions = {}) {
  const a = new Assessment(specs, { horizon: intervals, ...options });
  let d = a.current;
  for (let i = 0; i < intervals && !d.decided; i++) {
    const interval: IntervalMeasurements = { t: 60 * (i + 1), metrics: at(i) };
    d = a.add(interval);
  }
  return { a, d };
}

/** Thin, uneven error counts with no randomness: canary 1.2 errors a minute in 1,000 requests, control 9 in 9,000 (x1.2). */
const THIN_CANARY = [1, 2, 0, 1, 2, 1, 0, 2, 1, 2];
const THIN_CONTROL = [9, 11, 7, 10, 8, 9, 12, 6, 9, 9];
const thin = (i: number): Pair => ({ canary: ratio(THIN_CANARY[i % 10], 1000), control: ratio(THIN_CONTROL[i % 10], 9000) });

describe('Assessment: decisions on crafted sequences', () => {
  it('passes a clearly good canary early, long before the horizon', () => {
    const { d } = run([errorRate], 30, () => ({ 'error-rate': { canary: ratio(100, 10_000), control: ratio(900, 90_000) } }));
    expect(d).toMatchObject({ decided: true, verdict: 'pass' });
    expect(d.intervals).toBeLessThanOrEqual(5);
    expect(d.reason).toMatch(/^every metric within its bounds after \d intervals?: error-rate ratio ×1 \[/);
  });

  it('fails a clearly bad canary at once, naming the metric and the numbers', () => {
    const { d } = run([errorRate], 30, () => ({ 'error-rate': { canary: ratio(400, 10_000), control: ratio(900, 90_000) } }));
    expect(d).toMatchObject({ decided: true, verdict: 'fail', intervals: 1 });
    expect(d.reason).toBe(
      `error-rate: canary 4% vs control 1%; ${d.reason.split('; ')[1]}`,
    );
    expect(d.reason).toMatch(/ratio ×4 \[×[\d.]+, ×[\d.]+\] vs allowed ×1\.5: above it, and the interval wholly above ×1\.\d+, after 1 interval$/);
  });

  it('fails on the absolute bound even when the control is just as bad', () => {
    const { d } = run([errorRate], 30, () => ({ 'error-rate': { canary: ratio(900, 10_000), control: ratio(8100, 90_000) } }));
    expect(d.verdict).toBe('fail');
    expect(d.reason).toContain('vs max 5%: wholly above it');
  });

  it('keeps watching on thin, noisy evidence and, at the horizon with no fail and data in every interval, passes saying so', () => {
    const { a, d } = run([errorRate], 30, (i) => ({ 'error-rate': thin(i) }));
    expect(a.metrics[0].counts.ok).toBe(30);
    expect(d).toMatchObject({ decided: true, verdict: 'pass', intervals: 30 });
    expect(d.reason).toBe('no regression detected over 30 intervals; evidence: error-rate data in 30/30 intervals, 30000 canary requests, 270000 control requests');
  });

  it('without a horizon (anytime), the same thin evidence stays undecided and concludes inconclusive', () => {
    const a = new Assessment([errorRate]);
    for (let i = 0; i < 30; i++) a.add({ t: 60 * (i + 1), metrics: { 'error-rate': thin(i) } });
    expect(a.current.decided).toBe(false);
    const d = a.conclude();
    expect(d.verdict).toBe('inconclusive');
    expect(d.reason).toMatch(/^error-rate: not enough evidence after 30 intervals: canary [\d.]+% vs control [\d.]+%; ratio ×[\d.]+ \[/);
  });

  it('at the horizon, data in fewer than half the intervals is inconclusive, not a pass', () => {
    const empty: Measurement = { status: 'empty' };
    // 14 of 30 intervals with data (needs 15): no fail, and too little seen to call it healthy.
    const { d } = run([errorRate], 30, (i) => ({ 'error-rate': i < 14 ? { canary: ratio(1, 1000), control: ratio(9, 9000) } : { canary: empty, control: empty } }));
    expect(d).toMatchObject({ decided: true, verdict: 'inconclusive', intervals: 30 });
    expect(d.reason).toBe('error-rate: no regression detected over 30 intervals but too little evidence to pass: data in 14 of 30 intervals (needs 15)');
  });

  it('at the horizon, data in exactly half the intervals is enough to pass', () => {
    const empty: Measurement = { status: 'empty' };
    const { d } = run([errorRate], 30, (i) => ({ 'error-rate': i % 2 ? { canary: ratio(1, 1000), control: ratio(9, 9000) } : { canary: empty, control: empty } }));
    expect(d).toMatchObject({ verdict: 'pass', intervals: 30 });
    expect(d.reason).toMatch(/^no regression detected over 30 intervals; evidence: error-rate data in 15\/30 intervals/);
  });

  it('at the horizon, a ratio metric with too few requests is inconclusive, naming the counts', () => {
    const { d } = run([errorRate], 10, () => ({ 'error-rate': { canary: ratio(0, 9), control: ratio(0, 81) } }));
    expect(d).toMatchObject({ decided: true, verdict: 'inconclusive', intervals: 10 });
    expect(d.reason).toBe('error-rate: no regression detected over 10 intervals but too little evidence to pass: 90 canary requests (needs 100)');
  });

  it('at the horizon, too little traffic to count is never health, whatever share of intervals had some', () => {
    // Traffic in 3 of 5 intervals (enough intervals), but 60 canary requests in all.
    const { d } = run([errorRate], 5, (i) => ({ 'error-rate': { canary: ratio(0, i < 3 ? 20 : 0), control: ratio(0, 9000) } }));
    expect(d).toMatchObject({ verdict: 'inconclusive', intervals: 5 });
    expect(d.reason).toBe('error-rate: no regression detected over 5 intervals but too little evidence to pass: 60 canary requests (needs 100)');
  });

  it('judges value metrics from per-interval values: pass when equal, fail when clearly slower', () => {
    // ±2.5% wobble, out of step between the two sides.
    const noisy = (x: number, i: number, phase: number) => x * (1 + 0.025 * Math.sin(1.7 * i + phase));
    const good = run([latency], 30, (i) => ({ 'p95-latency': { canary: value(noisy(200, i, 0)), control: value(noisy(200, i, 1)) } })).d;
    expect(good.verdict).toBe('pass');
    expect(good.intervals).toBeLessThan(15);
    const bad = run([latency], 30, (i) => ({ 'p95-latency': { canary: value(noisy(400, i, 0)), control: value(noisy(200, i, 1)) } })).d;
    expect(bad.verdict).toBe('fail');
    expect(bad.intervals).toBeLessThan(10);
  });

  it('takes no evidence from zero traffic: never fails, never passes', () => {
    const { d } = run([errorRate], 20, () => ({ 'error-rate': { canary: ratio(0, 0), control: ratio(9, 9000) } }));
    expect(d.verdict).toBe('inconclusive');
    expect(d.reason).toBe('error-rate: no evidence after 20 intervals (20 without traffic)');
  });

  it('counts true zeros as evidence: an error-free canary passes its absolute bound', () => {
    const spec: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', max: 0.01 };
    const { d } = run([spec], 30, () => ({ 'error-rate': { canary: ratio(0, 2000), control: ratio(0, 18_000) } }));
    expect(d.verdict).toBe('pass');
  });

  it('never passes on provider errors, and fails after more consecutive errors than the limit', () => {
    const err: Pair = { canary: { status: 'error', message: 'connection refused' }, control: { status: 'error', message: 'connection refused' } };
    const { d } = run([errorRate], 30, () => ({ 'error-rate': err }));
    expect(d).toMatchObject({ verdict: 'fail', intervals: 5 });
    expect(d.reason).toBe('error-rate: provider error in 5 intervals in a row (more than consecutive-error-limit 4): connection refused');
    const patient = run([errorRate], 30, () => ({ 'error-rate': err }), { consecutiveErrorLimit: 100 }).d;
    expect(patient.verdict).toBe('inconclusive');
  });

  it('does not pass while the latest reading of a metric is a provider error, whatever came before', () => {
    const { d } = run([errorRate], 3, (i) => ({
      'error-rate': i < 2 ? { canary: ratio(100, 10_000), control: ratio(900, 90_000) } : { canary: { status: 'error', message: 'x' }, control: ratio(900, 90_000) },
    }), { minIntervalsToPass: 3 });
    // The horizon (3) is reached with data in 2 of 3 intervals: still no pass, the provider is failing now.
    expect(d.verdict).toBe('inconclusive');
    expect(d.reason).toBe('error-rate: no regression detected over 3 intervals but too little evidence to pass: a provider error at the latest interval (x)');
  });

  it('applies on-missing-data: fail fails at the first empty interval', () => {
    const spec = { ...errorRate, onMissingData: 'fail' as const };
    const { d } = run([spec], 10, (i) => ({ 'error-rate': { canary: i === 3 ? { status: 'empty' } : ratio(10, 1000), control: ratio(90, 9000) } }));
    expect(d).toMatchObject({ verdict: 'fail', intervals: 4, reason: 'error-rate: no data at interval 4 (on-missing-data: fail)' });
  });

  it('applies on-missing-data: inconclusive (default) holds the pass, ignore lets the other metrics decide', () => {
    const at = () => ({ 'error-rate': { canary: ratio(100, 10_000), control: ratio(900, 90_000) }, 'p95-latency': { canary: { status: 'empty' } as Measurement, control: { status: 'empty' } as Measurement } });
    const held = run([errorRate, latency], 10, at).d;
    expect(held.verdict).toBe('inconclusive');
    expect(held.reason).toBe('p95-latency: no evidence after 10 intervals (10 empty)');
    const ignored = run([errorRate, latency], 10, at, { onMissingData: 'ignore' }).d;
    expect(ignored.verdict).toBe('pass');
  });

  it('applies an Argo-like failure-limit on point breaches when set', () => {
    const at = (i: number) => ({ 'error-rate': { canary: ratio(i % 2 ? 20 : 5, 1000), control: ratio(90, 9000) } });
    expect(run([errorRate], 10, at, { failureLimit: 2 }).d).toMatchObject({ verdict: 'fail', intervals: 6 });
  });

  it('lets a non-critical metric fail without failing the canary', () => {
    const spec = { ...errorRate, critical: false };
    const { a, d } = run([spec, { ...latency, name: 'lat' }], 8, () => ({
      'error-rate': { canary: ratio(400, 10_000), control: ratio(900, 90_000) },
      lat: { canary: value(200), control: value(200) },
    }));
    expect(d.verdict).not.toBe('fail');
    expect(a.report().metrics[0].state).toBe('fail');
  });

  it('judges a dry-run metric and marks it, but it never decides: not by failing, not by holding a pass', () => {
    const dry = { ...errorRate, name: 'new-errors', dryRun: true };
    const bad = run([dry, { ...latency, name: 'lat' }], 8, () => ({
      'new-errors': { canary: ratio(400, 10_000), control: ratio(900, 90_000) },
      lat: { canary: value(200), control: value(200) },
    }));
    expect(bad.d.verdict).not.toBe('fail');
    expect(bad.a.report().metrics[0]).toMatchObject({ name: 'new-errors', dryRun: true, state: 'fail' });
    expect(heartbeat(bad.a)).toMatch(/^interval \d+: new-errors \(dry-run\) 4% vs 1% .* fail \| lat /);
    const silent = run([dry, errorRate], 10, () => ({
      'new-errors': { canary: { status: 'empty' }, control: { status: 'empty' } },
      'error-rate': { canary: ratio(100, 10_000), control: ratio(900, 90_000) },
    }));
    expect(silent.d.verdict).toBe('pass');
  });

  it('keeps its decision: later intervals do not change it', () => {
    const a = new Assessment([errorRate]);
    const bad = { t: 60, metrics: { 'error-rate': { canary: ratio(400, 10_000), control: ratio(900, 90_000) } } };
    const good = { t: 120, metrics: { 'error-rate': { canary: ratio(100, 10_000), control: ratio(900, 90_000) } } };
    expect(a.add(bad).verdict).toBe('fail');
    expect(a.add(good)).toMatchObject({ verdict: 'fail', intervals: 1 });
    expect(a.intervals).toBe(1);
  });

  it('refuses out-of-range options with a configuration error', () => {
    expect(() => new Assessment([errorRate], { falseAlarmRate: 0 })).toThrow(ConfigurationError);
    expect(() => new Assessment([errorRate], { horizon: 2.5 })).toThrow("Invalid `horizon`: '2.5'. Expected a positive whole number of intervals.");
  });

  it('writes a heartbeat with the weight, each estimate with its interval, and the decision so far', () => {
    const a = new Assessment([errorRate]);
    a.add({ t: 60, metrics: { 'error-rate': { canary: ratio(10, 1000), control: ratio(90, 9000) } } });
    expect(heartbeat(a, 10)).toMatch(/^interval 1 weight 10%: error-rate 1% vs 1% \(ratio ×1 \[×[\d.]+, ×[\d.]+\] vs allowed ×1\.5, canary 1% \[[\d.]+%, [\d.]+%\] vs max 5%\) watching -> watching$/);
  });
});

/**
 * Simulated at the default false-alarm rate (1%), a fresh seed every run (printed; AI_DEPLOY_TEST_SEED repeats it).
 * Each spec counts fails over a number of canaries and compares the count with a binomial limit: the chance that
 * a spec fails while the claim in its name holds is at most 1e-3 (support/binomial.ts).
 */
describe('Assessment: error rates under continuous monitoring (simulated, any seed)', () => {
  const ALPHA = 0.01;
  function fails(name: string, specs: MetricSpec[], make: (u: () => number) => Record<string, Pair>, runs: number): number {
    const u = seeded(name);
    let count = 0;
    for (let r = 0; r < runs; r++) if (run(specs, 30, () => make(u), { falseAlarmRate: ALPHA }).d.verdict === 'fail') count++;
    return count;
  }

  const failPoint = (allowed: number) => allowed ** FAIL_AT_SHARE;
  /** As in false-alarm-rate.test.ts: enough canaries that a method failing 3% of them instead of 1% is caught 9 times in 10. */
  const RUNS = runsToCatch(ALPHA, 3);

  it('fails an error-rate canary at its fail-test point (errors x1.5^share) at most at the false-alarm rate, checked every interval', () => {
    const count = fails('errors at the fail point', [{ ...errorRate, max: undefined }], (u) => ({ 'error-rate': { canary: ratio(poisson(u, 2 * failPoint(1.5)), 1000), control: ratio(poisson(u, 18), 9000) } }), RUNS);
    expect(count).toBeLessThanOrEqual(mostFails(RUNS, ALPHA));
  });

  it('fails a latency canary (one value an interval) at its fail-test point at most at the false-alarm rate', () => {
    const count = fails('latency at the fail point', [latency], (u) => ({ 'p95-latency': { canary: value(200 * failPoint(1.25) * Math.exp(0.1 * normal(u))), control: value(200 * Math.exp(0.1 * normal(u))) } }), RUNS);
    expect(count).toBeLessThanOrEqual(mostFails(RUNS, ALPHA));
  });

  it('fails at least 95% of canaries with twice the control\'s error rate (allowed x1.5, 18 control errors a minute)', () => {
    // Not a guarantee but the method's power: 98.7% over 2,000 canaries. With 200, fewer fails than
    // fewestFails(200, 95%) has probability at most 1e-3 for any method failing 95% or more.
    const count = fails('errors x2', [{ ...errorRate, max: undefined }], (u) => ({ 'error-rate': { canary: ratio(poisson(u, 4), 1000), control: ratio(poisson(u, 18), 9000) } }), 200);
    expect(count).toBeGreaterThanOrEqual(fewestFails(200, 0.95));
  });

  it('seldom fails (at most 3%) a canary that is worse than its control but within the margin, though significantly worse', () => {
    // errors x1.25 against an allowed x1.5, about 90 control errors a minute: worse, not too much worse. Not bounded
    // by the false-alarm rate (x1.25 is beyond the fail-test point x1.15): a fail needs the estimate beyond x1.5.
    // Measured: 2.5% of 10,000 canaries. More than mostFails(600, 3%) of 600 has probability at most 1e-3 if it is 3% or less.
    const count = fails('errors x1.25', [{ ...errorRate, max: undefined }], (u) => ({ 'error-rate': { canary: ratio(poisson(u, 12.5), 1000), control: ratio(poisson(u, 90), 9000) } }), 600);
    expect(count).toBeLessThanOrEqual(mostFails(600, 0.03));
  });
});
