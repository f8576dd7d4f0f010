/**
 * Latency judged from histogram buckets (`kind: histogram`) against the same latency read as one p95 per interval
 * (`kind: value`, what a `histogram_quantile(0.95, ...)` query gives), on the same generated traces: 1,200 requests a
 * minute for the whole service (swinging ±20% over the hour, ±10% a minute), 10% to the canary, lognormal request
 * latencies (median 60-400 ms, sigma 0.5) moving with a shared load (±8%) and each side's own noise (±4%), counted in
 * the Python client's default buckets (5 ms .. 10 s). Healthy canaries have the control's latency; bad ones 1.5x it,
 * so their p95 is 1.5x stable's. Both metrics allow `max-increase: 25%`, false-alarm rate 1%, 30 intervals.
 * Prints false-fail on healthy canaries and, on bad ones, detection and the intervals to fail (the target:
 * failed by the 2nd interval in the median, at the same false-fail).
 */
import type { MetricSpec } from '../shared/analysis/metric-spec.js';
import { replayTrace } from '../shared/analysis/replay.js';
import { quantileOf } from '../shared/analysis/histogram.js';
import { failedBy, pct, score, type Outcome } from './analysis/quality.js';
import { Rng } from './analysis/rng.js';
import type { Scenario, Trace } from './analysis/scenarios.js';

const SEED = Number(process.env.ANALYSIS_BENCH_SEED ?? 20261206);
const TRACES = Number(process.env.ANALYSIS_BENCH_TRACES ?? 400);
const HORIZON = 30;
const RPM = 1200;
const CANARY = 0.1;
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, Infinity];

const histogramSpec: MetricSpec = { name: 'p95-latency', kind: 'histogram', direction: 'lower-is-better', quantile: 0.95, maxIncrease: 0.25 };
const valueSpec: MetricSpec = { name: 'p95-latency', kind: 'value', direction: 'lower-is-better', maxIncrease: 0.25 };

type Entry = Record<string, unknown>;

/** One trace recorded both ways: bucket counts, and the p95 a histogram_quantile query would give from them. */
function generate(rng: Rng, effect: number): { histogram: Trace; value: Trace } {
  const base = Math.exp(Math.log(0.06) + rng.uniform() * Math.log(400 / 60));
  const phase = rng.uniform() * 2 * Math.PI;
  const h = { canary: [] as Entry[], control: [] as Entry[] };
  const v = { canary: [] as Entry[], control: [] as Entry[] };
  for (let i = 0; i < HORIZON; i++) {
    const t = (i + 1) * 60;
    const traffic = RPM * (1 + 0.2 * Math.sin(phase + (2 * Math.PI * i) / 60)) * rng.lognormal(0, 0.1);
    const load = rng.lognormal(0, 0.08);
    for (const side of ['canary', 'control'] as const) {
      const n = rng.poisson(traffic * (side === 'canary' ? CANARY : 1 - CANARY));
      const scale = base * load * rng.lognormal(0, 0.04) * (side === 'canary' ? effect : 1);
      const counts = new Array<number>(BUCKETS.length).fill(0);
      for (let k = 0; k < n; k++) {
        const x = scale * rng.lognormal(0, 0.5);
        let j = 0;
        while (x > BUCKETS[j]) j++;
        counts[j]++;
      }
      for (let j = 1; j < counts.length; j++) counts[j] += counts[j - 1];
      const buckets = Object.fromEntries(BUCKETS.map((le, j) => [Number.isFinite(le) ? String(le) : '+Inf', counts[j]]));
      h[side].push({ t, buckets });
      const p95 = quantileOf({ kind: 'histogram', bounds: BUCKETS, counts }, 0.95);
      v[side].push({ t, v: p95 ?? null });
    }
  }
  return { histogram: { interval: '1m', metrics: { 'p95-latency': h } }, value: { interval: '1m', metrics: { 'p95-latency': v } } };
}

const rng = new Rng(SEED);
const healthy = Array.from({ length: TRACES }, () => generate(rng, 1));
const bad = Array.from({ length: TRACES }, () => generate(rng, 1.5));
const judge = (traces: Trace[], spec: MetricSpec): Outcome[] =>
  traces.map((tr) => {
    const r = replayTrace(tr, [spec], { falseAlarmRate: 0.01, horizon: HORIZON });
    return { verdict: r.verdict, decidedAfter: r.decidedAfter };
  });

const scenarios: Scenario[] = [{ name: 'p95 x1.5', bad: true, rpm: RPM, latencyEffect: 1.5 }];
console.log(`seed ${SEED}, ${TRACES} healthy and ${TRACES} bad (p95 x1.5) canaries, ${RPM} requests a minute, ${CANARY * 100}% canary, horizon ${HORIZON}, false-alarm rate 1%`);
const rows: [string, MetricSpec, 'histogram' | 'value'][] = [
  ['histogram buckets (kind: histogram)', histogramSpec, 'histogram'],
  ['one p95 per interval (kind: value, reference)', valueSpec, 'value'],
];
const medians: number[] = [];
for (const [label, spec, way] of rows) {
  const t0 = performance.now();
  const ok = score(judge(healthy.map((x) => x[way]), spec));
  const outcomes = judge(bad.map((x) => x[way]), spec);
  const b = score(outcomes);
  medians.push(b.medianToFail ?? Infinity);
  console.log(
    `${label}: false-fail on healthy ${pct(ok.fails, ok.traces)} (pass ${pct(ok.passes, ok.traces)}); p95 x1.5 failed ${pct(b.fails, b.traces)}, median intervals to fail ${b.medianToFail ?? 'never'}; failed by interval ${failedBy(scenarios, [outcomes], [1, 2, 3, 4, 5, 6])} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
console.log(`median intervals to fail a p95 x1.5: histogram ${medians[0]} vs one p95 per interval ${medians[1]} (ratio ${(medians[1] / medians[0]).toFixed(2)}x sooner; target: by the 2nd interval)`);
