import { describe, expect, it } from '@jest/globals';
import { Assessment } from '../../shared/analysis/assessment.js';
import type { Measurement } from '../../shared/analysis/measurement.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { SpendingBoundary } from '../../shared/analysis/sequences/spending.js';
import { FAIL_AT_SHARE } from '../../shared/analysis/metric-evidence.js';
import { normal, poisson, uniforms } from './support/random.js';

/**
 * The guarantee, simulated: a canary at the point its fail test is taken (an absolute bound itself; for
 * `max-increase`, the allowed ratio to the power FAIL_AT_SHARE, e.g. ×1.5^0.35 = ×1.15) or better fails at most
 * at the false-alarm rate, although the analysis looks at it every interval, with a known horizon
 * (group-sequential boundaries) and without (anytime-valid sequences). Seeded, so every run sees the same
 * canaries; the slack is three Monte-Carlo standard deviations.
 */
const ALPHA = 0.1;
/**
 * Runs per case: 100 (800 took 14 minutes on a loaded machine; a run with a horizon costs 40-330 ms, the
 * spending boundary's recursion, without one about 10 ms). The slack below is recomputed for it: three
 * binomial standard deviations of a rate estimated from RUNS canaries at ALPHA (0.090 at 100 runs), so a
 * method whose true rate is ALPHA fails this check about 0.1% of the time.
 */
const RUNS = 100;
const HORIZON = 30;
const SLACK = 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / RUNS);

function rng(seed: number) {
  const u = uniforms(seed);
  return { u, normal: () => normal(u), poisson: (lambda: number) => poisson(u, lambda) };
}
type Rng = ReturnType<typeof rng>;
type Pair = { canary: Measurement; control: Measurement };
const ratio = (num: number, den: number): Measurement => ({ status: 'ok', observation: { kind: 'ratio', num, den } });
const samples = (xs: number[]): Measurement => ({ status: 'ok', observation: { kind: 'value', samples: xs } });

/** Share of simulated canaries that the assessment fails, judging every interval up to the horizon. */
function failRate(spec: MetricSpec, horizon: number | undefined, make: (r: Rng) => Pair, seed: number, runs = RUNS): number {
  const r = rng(seed);
  let fails = 0;
  for (let run = 0; run < runs; run++) {
    const a = new Assessment([spec], { falseAlarmRate: ALPHA, ...(horizon ? { horizon } : {}) });
    for (let i = 0; i < HORIZON; i++) {
      const d = a.add({ t: 60 * (i + 1), metrics: { [spec.name]: make(r) } });
      if (d.decided) {
        if (d.verdict === 'fail') fails++;
        break;
      }
    }
  }
  return fails / runs;
}

const errors: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', maxIncrease: 0.5 };
const errorsMax: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', max: 0.05 };
const p95: MetricSpec = { name: 'p95-latency', kind: 'value', direction: 'lower-is-better', stat: 'p95', maxIncrease: 0.25 };
const p95Max: MetricSpec = { ...p95, maxIncrease: undefined, max: 300 };

/** The ratio canary/control at which `max-increase` is tested for a fail. */
const failPoint = (allowed: number) => allowed ** FAIL_AT_SHARE;
/** Canary errors at exactly the fail point of an allowed x1.5 (10% of traffic), `perMinute` control errors expected. */
const errorsAtFailPoint = (perMinute: number) => (r: Rng): Pair => ({
  canary: ratio(r.poisson((perMinute / 9) * failPoint(1.5)), 1000),
  control: ratio(r.poisson(perMinute), 9000),
});
/** 60 raw latencies per side; the canary's whole distribution is the fail point of an allowed x1.25 times the control's. */
const latencyAtFailPoint = (r: Rng): Pair => {
  const draw = (scale: number) => Array.from({ length: 60 }, () => scale * Math.exp(0.5 * r.normal()));
  const load = Math.exp(0.05 * r.normal());
  return { canary: samples(draw(200 * failPoint(1.25) * load)), control: samples(draw(200 * load)) };
};
/** One p95 per interval (as a provider returns it): canary/control exactly at the fail point of an allowed x1.25 (in mean and in log mean). */
const p95ValuesAtFailPoint = (r: Rng): Pair => ({ canary: samples([200 * failPoint(1.25) * Math.exp(0.1 * r.normal() - 0.005)]), control: samples([200 * Math.exp(0.1 * r.normal() - 0.005)]) });

describe('false-alarm rate at the fail-test point, checked every interval (seeded simulations)', () => {
  const cases: [string, MetricSpec, (r: Rng) => Pair][] = [
    ['error counts, about 2 control errors a minute', errors, errorsAtFailPoint(2)],
    ['error counts, a control error every 3 minutes (few events)', errors, errorsAtFailPoint(0.3)],
    ['error counts, about 40 control errors a minute', errors, errorsAtFailPoint(40)],
    ['error rate at exactly its absolute max', errorsMax, (r) => ({ canary: ratio(r.poisson(10), 200), control: ratio(r.poisson(90), 1800) })],
    ['latency p95 from raw samples', p95, latencyAtFailPoint],
    ['latency p95 from raw samples, at exactly its absolute max', p95Max, (r) => {
      // p95 of exp(0.5 N) is exp(0.5 * 1.645): scale so the canary's true p95 is exactly 300.
      const draw = () => Array.from({ length: 60 }, () => (300 / Math.exp(0.5 * 1.6449)) * Math.exp(0.5 * r.normal()));
      return { canary: samples(draw()), control: samples(draw()) };
    }],
    ['latency from one p95 value per interval', p95, p95ValuesAtFailPoint],
  ];
  for (const [name, spec, make] of cases) {
    for (const horizon of [HORIZON, undefined]) {
      it(`${name}: fails at most ${ALPHA} (+${SLACK.toFixed(3)}) ${horizon ? `with a horizon of ${horizon}` : 'with no horizon (anytime)'}`, () => {
        expect(failRate(spec, horizon, make, 7 + name.length)).toBeLessThanOrEqual(ALPHA + SLACK);
      });
    }
  }

  it('the horizon spends the budget that the anytime sequences leave unused, and so detects more', () => {
    const atFailPoint = failRate(errors, HORIZON, errorsAtFailPoint(2), 99);
    const worse = (r: Rng): Pair => ({ canary: ratio(r.poisson((2 / 9) * 2.5), 1000), control: ratio(r.poisson(2), 9000) });
    const withHorizon = failRate(errors, HORIZON, worse, 5, RUNS);
    const anytime = failRate(errors, undefined, worse, 5, RUNS);
    expect(atFailPoint).toBeGreaterThan(ALPHA / 4);
    expect(withHorizon).toBeGreaterThan(anytime);
  });
});

describe('SpendingBoundary', () => {
  it('is crossed by a driftless Gaussian score at most at its alpha over the horizon, however the information arrives', () => {
    const r = rng(11);
    let crossed = 0;
    const runs = 1000; // 3000 took 139 s; the bounds below are recomputed for 1000 (3 binomial sd each side)
    for (let run = 0; run < runs; run++) {
      const b = new SpendingBoundary(HORIZON, 0.05);
      let s = 0;
      let info = 0;
      for (let k = 0; k < HORIZON; k++) {
        const d = r.u() < 0.2 ? 0.01 : 0.2 + 3 * r.u(); // some looks bring almost nothing
        info += d;
        s += Math.sqrt(d) * r.normal();
        if (s / Math.sqrt(info) >= b.look(info)) {
          crossed++;
          break;
        }
      }
    }
    const sd = Math.sqrt((0.05 * 0.95) / runs);
    expect(crossed / runs).toBeLessThanOrEqual(0.05 + 3 * sd);
    expect(crossed / runs).toBeGreaterThan(0.05 - 3 * sd); // and it is not needlessly conservative (0.029 at 1000 runs)
  });

  it('spends nothing past its horizon and before any information', () => {
    const b = new SpendingBoundary(2, 0.01);
    expect(b.look(0)).toBe(Infinity);
    expect(b.look(1)).toBeCloseTo(2.326, 2); // all of alpha at the last look: the fixed-sample one-sided z
    expect(b.look(2)).toBe(Infinity);
  });
});
