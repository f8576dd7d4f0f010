/**
 * Tuning of the analysis constants that apply when the horizon is known, over a grid of candidates:
 * - the alpha-spending exponent (shared/analysis/sequences/spending.ts): the share of the false-alarm rate spent
 *   by calendar fraction t is t^power (1.5 spends little early, like O'Brien-Fleming; 1 and below spend more
 *   early, like Pocock); ANALYSIS_BENCH_POWERS;
 * - where `max-increase` is tested for a fail, as a share of the margin on the log scale (FAIL_AT_SHARE in
 *   shared/analysis/metric-evidence.ts); ANALYSIS_BENCH_SHARES;
 * - the weight of an absolute bound's check in the false-alarm split (ABSOLUTE_WEIGHT); ANALYSIS_BENCH_WEIGHTS.
 * For each candidate: the fail rate per scenario (with the median intervals to fail on bad ones), false-fail
 * pooled over healthy canaries, the lowest detection over the bad scenarios, the median intervals to fail on bad
 * canaries and the pass rate on acceptable ones. Tune on `ANALYSIS_BENCH_SEED=1`, then check the chosen one
 * on the evaluation seed (the default) with analysis-quality.
 */
import { replayTrace } from '../shared/analysis/replay.js';
import { DEFAULT_TUNING } from '../shared/analysis/sequences/sequence.js';
import { ABSOLUTE_WEIGHT, FAIL_AT_SHARE } from '../shared/analysis/metric-evidence.js';
import { atMargin, failedBy, falseFail, pct, pct2, pooled, score, type Outcome } from './analysis/quality.js';
import { generateSet, HORIZON, SPECS } from './analysis/scenarios.js';

const SEED = Number(process.env.ANALYSIS_BENCH_SEED ?? 20261122);
const HEALTHY_TRACES = Number(process.env.ANALYSIS_BENCH_HEALTHY ?? 400);
const BAD_TRACES = Number(process.env.ANALYSIS_BENCH_BAD ?? 150);
const POWERS = (process.env.ANALYSIS_BENCH_POWERS ?? '1.5,1,0.75,0.5').split(',').map(Number);
const SHARES = (process.env.ANALYSIS_BENCH_SHARES ?? String(FAIL_AT_SHARE)).split(',').map(Number);
const WEIGHTS = (process.env.ANALYSIS_BENCH_WEIGHTS ?? String(ABSOLUTE_WEIGHT)).split(',').map(Number);

const generated = generateSet(SEED, (sc) => (sc.bad ? BAD_TRACES : HEALTHY_TRACES));
const scenarios = generated.map((g) => g.scenario);
console.log(`seed ${SEED}, ${HEALTHY_TRACES} traces per acceptable and ${BAD_TRACES} per bad scenario, horizon ${HORIZON}, false-alarm rate 1%`);
for (const absoluteWeight of WEIGHTS) for (const failAtShare of SHARES) for (const power of POWERS) {
  const t0 = performance.now();
  const outcomes: Outcome[][] = generated.map((g) => g.traces.map((tr) => {
    const r = replayTrace(tr, SPECS, { falseAlarmRate: 0.01, horizon: HORIZON, tuning: { ...DEFAULT_TUNING, spendPower: power, failAtShare, absoluteWeight } });
    return { verdict: r.verdict, decidedAfter: r.decidedAfter };
  }));
  const noise = falseFail(scenarios, outcomes, 'noise');
  let lowest = { name: '-', rate: 1 };
  scenarios.forEach((sc, i) => {
    if (!sc.bad) return;
    const s = score(outcomes[i]);
    if (s.fails / s.traces < lowest.rate) lowest = { name: sc.name, rate: s.fails / s.traces };
  });
  const bad = pooled(scenarios, outcomes, 'bad');
  const ok = pooled(scenarios, outcomes, 'noise');
  const badPassed = bad.passes / bad.traces;
  console.log(`  bad canaries failed by interval: ${failedBy(scenarios, outcomes, [1, 2, 3, 4, 5, 6])}`);
  const rate = (i: number) => { const s = score(outcomes[i]); return `${pct(s.fails, s.traces)}${scenarios[i].bad ? `@${s.medianToFail ?? '-'}` : ''}`; };
  console.log(`  per scenario (fail rate): ${scenarios.map((sc, i) => `${sc.name} ${rate(i)}`).join('; ')}`);
  console.log(`absolute weight ${absoluteWeight}, fail-at share ${failAtShare}, power ${power}: false-fail healthy ${pct2(noise.pooled)}, at the margin ${pct2(atMargin(scenarios, outcomes))}; detection pooled ${pct(bad.fails, bad.traces)}, lowest ${pct2(lowest.rate)} (${lowest.name}); median to fail ${bad.medianToFail ?? 'never'}; bad passed ${pct2(badPassed)}; healthy pass ${pct(ok.passes, ok.traces)} @${ok.medianToPass ?? '-'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
