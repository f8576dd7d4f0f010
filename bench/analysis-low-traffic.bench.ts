/**
 * An absolute bound at low traffic (issue 19's target): 150 requests a minute, 10% to the canary, a 1% error rate
 * for stable, bad canaries at 3x it, `max: 2%` (with `max-increase: 50%` for ours). Ours (false-alarm rate 1%,
 * horizon 30) against Argo Rollouts' rule, failureLimit over the absolute threshold (an interval whose canary
 * error rate is above 2% is a failed measurement), its failureLimit calibrated on the same healthy traces to at most
 * our false-fail and to at most 1%. Target: detect at least as many bad canaries as Argo at the same false-fail.
 */
import { evaluateInterval } from '../shared/analysis/evaluate.js';
import type { MetricSpec } from '../shared/analysis/metric-spec.js';
import { replayTrace } from '../shared/analysis/replay.js';
import { parseTrace } from '../shared/analysis/trace.js';
import { argo } from './analysis/anchors.js';
import { pct, type Outcome } from './analysis/quality.js';
import { Rng } from './analysis/rng.js';
import type { Trace } from './analysis/scenarios.js';

const SEED = Number(process.env.ANALYSIS_BENCH_SEED ?? 20261206);
const TRACES = Number(process.env.ANALYSIS_BENCH_TRACES ?? 2000);
const HORIZON = 30;
const ours: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', maxIncrease: 0.5, max: 0.02 };
const argoSpec: MetricSpec = { name: 'error-rate', kind: 'ratio', direction: 'lower-is-better', max: 0.02 };

function generate(rng: Rng, effect: number): Trace {
  const side = { canary: [] as Record<string, unknown>[], control: [] as Record<string, unknown>[] };
  for (let i = 0; i < HORIZON; i++) {
    for (const [name, share, rate] of [['canary', 0.1, 0.01 * effect], ['control', 0.9, 0.01]] as const) {
      const n = rng.poisson(150 * share);
      let bad = 0;
      for (let k = 0; k < n; k++) if (rng.uniform() < rate) bad++;
      side[name].push({ t: (i + 1) * 60, num: bad, den: n });
    }
  }
  return { interval: '1m', metrics: { 'error-rate': side } };
}

const rng = new Rng(SEED);
const healthy = Array.from({ length: TRACES }, () => generate(rng, 1));
const bad = Array.from({ length: TRACES }, () => generate(rng, 3));
const failShare = (outcomes: Outcome[]) => outcomes.filter((o) => o.verdict === 'fail').length / outcomes.length;
const judged = (traces: Trace[]) => traces.map((tr) => replayTrace(tr, [ours], { falseAlarmRate: 0.01, horizon: HORIZON }));
const argoRun = (traces: Trace[], limit: number) => traces.map((tr) => argo(limit)(parseTrace(tr, [argoSpec]).intervals.map((i) => evaluateInterval([argoSpec], i)), [argoSpec]));

const oursFf = failShare(judged(healthy));
const oursDet = failShare(judged(bad));
console.log(`seed ${SEED}, ${TRACES} healthy and ${TRACES} bad (errors x3 of 1%) canaries at 150 requests a minute, 10% canary`);
console.log(`ours (max-increase 50%, max 2%, false-alarm rate 1%): false-fail ${pct(oursFf * TRACES, TRACES)}, detection ${pct(oursDet * TRACES, TRACES)}`);
for (const [label, cap] of [['at most our false-fail', oursFf], ['at most 1%', 0.01]] as const) {
  let limit = 0;
  while (limit < HORIZON && failShare(argoRun(healthy, limit)) > cap) limit++;
  const det = failShare(argoRun(bad, limit));
  console.log(`argo failureLimit=${limit} (${label}): false-fail ${pct(failShare(argoRun(healthy, limit)) * TRACES, TRACES)}, detection ${pct(det * TRACES, TRACES)}; ours / argo detection ${(oursDet / det).toFixed(2)}x (target >= 1)`);
}
