import { describe, expect, it } from '@jest/globals';
import { Assessment } from '../../shared/analysis/assessment.js';
import type { Measurement } from '../../shared/analysis/measurement.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { SpendingBoundary } from '../../shared/analysis/sequences/spending.js';
import { FAIL_AT_SHARE } from '../../shared/analysis/metric-evidence.js';
import { fewestFails, LUCK, mostFails, runsToCatch, seeded } from './support/binomial.js';
import { normal, poisson } from './support/random.js';

/**
 * The guarantee, simulated at the default false-alarm rate (1%): a canary at the point its fail test is taken
 * (an absolute bound itself; for `max-increase`, the allowed ratio to the power FAIL_AT_SHARE, e.g. ×1.5^0.35 =
 * ×1.15) or better fails at most at the false-alarm rate, although the analysis looks at it every interval,
 * with a known horizon (group-sequential boundaries) and without (anytime-valid sequences).
 *
 * How many canaries and how many fails, from the binomial: RUNS is the fewest runs at which a method failing 3%
 * of them (3x the promise) is caught 9 times in 10; the check allows mostFails(RUNS, 1%) fails, which a method
 * keeping its promise exceeds with probability at most LUCK = 1e-3, whatever the seed (printed; set
 * AI_DEPLOY_TEST_SEED to repeat a run).
 */
const ALPHA = 0.01;
const RUNS = runsToCatch(ALPHA, 3); // 900
/**
 * For histogram metrics, whose runs cost several times more under jest: the fewest runs at which a method failing
 * 4% instead of 1% is caught 9 times in 10 (450), the same luck (1e-3) when the promise holds.
 */
const HEAVY_RUNS = runsToCatch(ALPHA, 4);
const HORIZON = 30;

function rng(salt: string) {
  const u = seeded(salt);
  return { u, normal: () => normal(u), poisson: (lambda: number) => poisson(u, lambda) };
}
type Rng = ReturnType<typeof rng>;
type Pair = { canary: Measurement; control: Measurement };
const ratio = (num: number, den: number): Measurement => ({ status: 'ok', observation: { kind: 'ratio', num, den } });
const samples = (xs: number[]): Measurement => ({ status: 'ok', observation: { kind: 'value', samples: xs } });

/** Whether the assessment fails each of `traces` (a trace: the pairs of its intervals), judging every interval up to the horizon. */
function failed(spec: MetricSpec, horizon: number | undefined, traces: Pair[][], alpha = ALPHA): boolean[] {
  return traces.map((trace) => {
    const a = new Assessment([spec], { falseAlarmRate: alpha, ...(horizon ? { horizon } : {}) });
    for (let i = 0; i < trace.length; i++) {
      const d = a.add({ t: 60 * (i + 1), metrics: { [spec.name]: trace[i] } });
      if (d.decided) return d.verdict === 'fail';
    }
    return false;
  });
}

/** `runs` traces of HORIZON intervals each, from `make`. */
function traces(salt: string, make: (r: Rng) => Pair, runs = RUNS): Pair[][] {
  const r = rng(salt);
  return Array.from({ length: runs }, () => Array.from({ length: HORIZON }, () => make(r)));
}

const count = (xs: boolean[]) => xs.filter(Boolean).length;

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
/**
 * Counts too large for Knuth's Poisson draws (exp(-λ) underflows): a Poisson count with mean `lambda` by its normal
 * law, rounded (within a few thousandths of the Poisson's tails at these means).
 */
const manyEvents = (r: Rng, lambda: number) => Math.max(0, Math.round(lambda + Math.sqrt(lambda) * r.normal()));
/** Canary errors at exactly the fail point of an allowed x1.5, about 2,000 control errors a minute (large counts). */
const manyErrorsAtFailPoint = (r: Rng): Pair => ({
  canary: ratio(manyEvents(r, (2000 / 9) * failPoint(1.5)), 100_000),
  control: ratio(manyEvents(r, 2000), 900_000),
});
const errorsLowTraffic: MetricSpec = { ...errors, max: 0.02 };
/**
 * Issue 19's low traffic: Poisson requests at 150 a minute, 10% to the canary, each an error with probability
 * `canary` (canary) or `control` (control).
 */
const lowTraffic = (canary: number, control: number) => (r: Rng): Pair => {
  const side = (perMinute: number, rate: number) => {
    const n = r.poisson(perMinute);
    let x = 0;
    for (let i = 0; i < n; i++) if (r.u() < rate) x++;
    return ratio(x, n);
  };
  return { canary: side(15, canary), control: side(135, control) };
};
/** 60 raw latencies per side; the canary's whole distribution is the fail point of an allowed x1.25 times the control's. */
const latencyAtFailPoint = (r: Rng): Pair => {
  const draw = (scale: number) => Array.from({ length: 60 }, () => scale * Math.exp(0.5 * r.normal()));
  const load = Math.exp(0.05 * r.normal());
  return { canary: samples(draw(200 * failPoint(1.25) * load)), control: samples(draw(200 * load)) };
};
/** 60 raw latencies per side, the canary's true p95 exactly 300 (p95 of exp(0.5 N) is exp(0.5 * 1.645)). */
const latencyAtMax = (r: Rng): Pair => {
  const draw = () => Array.from({ length: 60 }, () => (300 / Math.exp(0.5 * 1.6449)) * Math.exp(0.5 * r.normal()));
  return { canary: samples(draw()), control: samples(draw()) };
};
/** Latency bucket bounds (seconds) of a typical service histogram, `+Inf` last. */
const BUCKETS = [0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2.5, 5, Infinity];
/** The standard normal CDF (Abramowitz & Stegun 26.2.17, error < 7.5e-8). */
function phi(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const p = 0.3989423 * Math.exp(-(z ** 2) / 2) * t * (0.3193815 + t * (-0.3565638 + t * (1.781478 + t * (-1.821256 + t * 1.330274))));
  return z > 0 ? 1 - p : p;
}
/** One interval's cumulative bucket counts: Poisson requests at `perMinute`, latencies lognormal (sigma 0.5) around `median`. */
function buckets(r: Rng, perMinute: number, median: number): Measurement {
  let below = 0;
  let count = 0;
  const counts = BUCKETS.map((le) => {
    const share = Number.isFinite(le) ? phi(Math.log(le / median) / 0.5) : 1;
    const mean = perMinute * (share - below);
    below = share;
    return (count += mean > 50 ? Math.max(0, Math.round(mean + Math.sqrt(mean) * r.normal())) : r.poisson(mean));
  });
  return { status: 'ok', observation: { kind: 'histogram', bounds: BUCKETS, counts } };
}
/** 1,200 requests a minute, 10% to the canary, whose latencies are `effect` times the control's; both move with the load. */
const histogramPair = (effect: number) => (r: Rng): Pair => {
  const load = Math.exp(0.05 * r.normal());
  return { canary: buckets(r, 120, 0.2 * effect * load), control: buckets(r, 1080, 0.2 * load) };
};
const p95Histogram: MetricSpec = { name: 'p95-latency', kind: 'histogram', direction: 'lower-is-better', quantile: 0.95, maxIncrease: 0.25 };
/** The canary's true p95 exactly at `max` (p95 of 0.2 exp(0.5 N) is 0.2 exp(0.5 * 1.645), inside the (0.4, 0.5] bucket). */
const p95HistogramMax: MetricSpec = { ...p95Histogram, maxIncrease: undefined, max: 0.2 * Math.exp(0.5 * 1.6449) };

/** One p95 per interval (as a provider returns it): canary/control exactly at the fail point of an allowed x1.25 (in mean and in log mean). */
const p95ValuesAtFailPoint = (r: Rng): Pair => ({ canary: samples([200 * failPoint(1.25) * Math.exp(0.1 * r.normal() - 0.005)]), control: samples([200 * Math.exp(0.1 * r.normal() - 0.005)]) });

describe('the binomial limits the statistical specs use', () => {
  it('allow a count that a true share p exceeds with probability at most the stated luck, and no less', () => {
    expect(mostFails(10, 0.5, LUCK)).toBe(9); // P(X > 9) = 1/1024 <= 1e-3 < P(X > 8) = 11/1024
    expect(fewestFails(10, 0.5, LUCK)).toBe(1); // P(X < 1) = 1/1024 <= 1e-3 < P(X < 2)
    expect(RUNS).toBe(900);
    expect(HEAVY_RUNS).toBe(450);
    expect(mostFails(RUNS, ALPHA)).toBe(19); // 2.1% of 900 canaries, against 1% promised
  });
});

describe('false-alarm rate at the fail-test point, at the default 1%, checked every interval (simulated, any seed)', () => {
  // Exact under their assumptions (counts that are Poisson or binomial given the traffic; Gaussian log ratios) but
  // for the raw samples' cases below: see shared/analysis/README.md.
  const cases: [string, MetricSpec, (r: Rng) => Pair][] = [
    ['error counts, about 2 control errors a minute', errors, errorsAtFailPoint(2)],
    ['error counts, a control error every 3 minutes (few events)', errors, errorsAtFailPoint(0.3)],
    ['error counts, about 40 control errors a minute', errors, errorsAtFailPoint(40)],
    ['error rate at exactly its absolute max', errorsMax, (r) => ({ canary: ratio(r.poisson(10), 200), control: ratio(r.poisson(90), 1800) })],
    // Large counts: the boundary on counts hands over to the Gaussian one once a count's spread passes 50 events.
    ['error counts, about 2,000 control errors a minute', errors, manyErrorsAtFailPoint],
    ['error rate at exactly its absolute max, 20,000 canary requests a minute', errorsMax, (r) => ({ canary: ratio(manyEvents(r, 1000), 20_000), control: ratio(manyEvents(r, 9000), 180_000) })],
    // Few events: the scores read the exact tails, and the dispersion pools minutes until they expect 5 errors (README).
    ['errors at 15 canary requests a minute (1% errors), max-increase and max 2%, the canary at the fail point', errorsLowTraffic, lowTraffic(0.01 * failPoint(1.5), 0.01)],
    ['errors at 15 canary requests a minute, max-increase and max 2%, the canary at both fail points (2%, x1.15 its control)', errorsLowTraffic, lowTraffic(0.02, 0.02 / failPoint(1.5))],
    ['latency from one p95 value per interval', p95, p95ValuesAtFailPoint],
    // Approximate in principle (the per-interval variances are estimated from the samples and pooled; README), measured
    // 0.17-0.43% over 3,000 (weighting each interval by its own variance had put these at 1.2-2.1%): checked at the promise.
    ['latency p95 from 60 raw samples an interval', p95, latencyAtFailPoint],
    ['latency p95 from 60 raw samples an interval, at exactly its absolute max', p95Max, latencyAtMax],
  ];
  // Approximate in principle (the control's p95 is used as if known; README), measured 0.05% over 2,000: checked at the promise.
  const histograms: [string, MetricSpec, (r: Rng) => Pair][] = [
    ['latency p95 from histogram buckets, at the fail point of an allowed x1.25', p95Histogram, histogramPair(1.25 ** FAIL_AT_SHARE)],
    ['latency p95 from histogram buckets, at exactly its absolute max', p95HistogramMax, histogramPair(1)],
  ];
  for (const [list, runs] of [[cases, RUNS], [histograms, HEAVY_RUNS]] as const) {
    for (const [name, spec, make] of list) {
      for (const horizon of [HORIZON, undefined]) {
        const mode = horizon ? `with a horizon of ${horizon}` : 'with no horizon (anytime)';
        it(`${name}: fails at most 1% of ${runs} canaries (${mostFails(runs, ALPHA)} fails allowed; chance of failing by luck <= 1e-3) ${mode}`, () => {
          expect(count(failed(spec, horizon, traces(`${name} ${horizon}`, make, runs)))).toBeLessThanOrEqual(mostFails(runs, ALPHA));
        });
      }
    }
  }


  it('fails at least 80% of canaries whose p95 is 1.5x stable\'s by the 2nd interval, from histogram buckets at 10% of 1,200 requests a minute', () => {
    // The target is the median by the 2nd interval; measured 95% by then (474 of 500). Fewer than
    // fewestFails(200, 80%) of 200 has probability at most 1e-3 for any method failing 80% or more by then.
    const set = traces('histogram x1.5', histogramPair(1.5), 200).map((t) => t.slice(0, 2));
    expect(count(failed(p95Histogram, HORIZON, set))).toBeGreaterThanOrEqual(fewestFails(200, 0.8));
  });

  it('the horizon spends the budget that the anytime sequences leave unused, and so fails more bad canaries (same traces)', () => {
    // Errors x2.5 against an allowed x1.5, 2 control errors a minute. Over 20,000 canaries at 1%: 42% failed with
    // the horizon, 20% without; 22% by the horizon only and none by the anytime sequences only. So of the
    // canaries that only one of them fails, the horizon's share q is above 0.9 (1 measured): given how many
    // such canaries there are, fewer than fewestFails(them, 0.9) for the horizon has probability at most 1e-3.
    // 200 canaries give about 45 of them; fewer than 15 has probability below 1e-8.
    const bad = (r: Rng): Pair => ({ canary: ratio(r.poisson((2 / 9) * 2.5), 1000), control: ratio(r.poisson(2), 9000) });
    const set = traces('horizon vs anytime', bad, 200);
    const withHorizon = failed(errors, HORIZON, set);
    const anytime = failed(errors, undefined, set);
    const horizonOnly = withHorizon.filter((f, i) => f && !anytime[i]).length;
    const anytimeOnly = anytime.filter((f, i) => f && !withHorizon[i]).length;
    expect(horizonOnly + anytimeOnly).toBeGreaterThanOrEqual(15);
    expect(horizonOnly).toBeGreaterThanOrEqual(fewestFails(horizonOnly + anytimeOnly, 0.9));
    expect(horizonOnly).toBeGreaterThan(anytimeOnly);
  });
});

describe('SpendingBoundary', () => {
  it('is crossed by a driftless Gaussian score at most at its alpha over the horizon, however the information arrives', () => {
    // 2,000 paths at alpha 5%: at most mostFails(2000, 5%) crossings (luck <= 5e-4), and at least fewestFails(2000,
    // 2%) (luck <= 5e-4): the boundary spends its budget, it does not merely stay under it (about 3% here: the
    // looks that bring almost nothing carry their share to later looks).
    const r = rng('spending boundary');
    let crossed = 0;
    const runs = 2000;
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
    expect(crossed).toBeLessThanOrEqual(mostFails(runs, 0.05, LUCK / 2));
    expect(crossed).toBeGreaterThanOrEqual(fewestFails(runs, 0.02, LUCK / 2));
  });

  it('spends nothing past its horizon and before any information', () => {
    const b = new SpendingBoundary(2, 0.01);
    expect(b.look(0)).toBe(Infinity);
    expect(b.look(1)).toBeCloseTo(2.326, 2); // all of alpha at the last look: the fixed-sample one-sided z
    expect(b.look(2)).toBe(Infinity);
  });
});
