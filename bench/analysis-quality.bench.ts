/**
 * Decision quality on a generated scenario set (seeded, deterministic): our sequential analysis against the
 * decision rules of Flagger, Argo Rollouts, Kayenta and CodeDeploy (bench/analysis/anchors.ts), on the same
 * traces. Prints per scenario: false-fail rate on healthy canaries, detection rate and median intervals to
 * decision on bad ones; then the targets. `ANALYSIS_BENCH_SEED` changes the set (tuning was done on seed 1;
 * the default seed is the evaluation set).
 */
import { evaluateInterval, type IntervalEvaluation } from '../shared/analysis/evaluate.js';
import { replayTrace } from '../shared/analysis/replay.js';
import { parseTrace } from '../shared/analysis/trace.js';
import { argo, codeDeploy, flagger, kayenta, type Anchor } from './analysis/anchors.js';
import { pct, score, type Outcome, type Score } from './analysis/quality.js';
import { generateSet, HORIZON, SPECS, type Scenario, type Trace } from './analysis/scenarios.js';

const SEED = Number(process.env.ANALYSIS_BENCH_SEED ?? 20261122);
const HEALTHY_TRACES = Number(process.env.ANALYSIS_BENCH_HEALTHY ?? 400);
const BAD_TRACES = Number(process.env.ANALYSIS_BENCH_BAD ?? 150);
const TARGET_FALSE_FAIL = 0.01;

interface Prepared {
  scenario: Scenario;
  traces: Trace[];
  evaluations: IntervalEvaluation[][];
}

const t0 = performance.now();
const set: Prepared[] = generateSet(SEED, (sc) => (sc.bad ? BAD_TRACES : HEALTHY_TRACES)).map(({ scenario, traces }) => ({
  scenario,
  traces,
  evaluations: traces.map((tr) => parseTrace(tr, SPECS).intervals.map((i) => evaluateInterval(SPECS, i))),
}));
const tGen = performance.now();

function runOurs(): Outcome[][] {
  return set.map((p) => p.traces.map((tr) => {
    const r = replayTrace(tr, SPECS, { falseAlarmRate: 0.01 });
    return { verdict: r.verdict, decidedAfter: r.decidedAfter };
  }));
}
function runAnchor(anchor: Anchor): Outcome[][] {
  return set.map((p) => p.evaluations.map((ev) => anchor(ev, SPECS)));
}
function falseFail(outcomes: Outcome[][]): number {
  let fails = 0;
  let total = 0;
  set.forEach((p, i) => {
    if (p.scenario.bad || p.scenario.edge) return;
    fails += outcomes[i].filter((o) => o.verdict === 'fail').length;
    total += outcomes[i].length;
  });
  return fails / total;
}

/** The smallest setting of an anchor's one knob whose false-fail rate on the healthy traces is within target. */
function calibrate(name: string, knob: string, values: number[], make: (v: number) => Anchor): { label: string; outcomes: Outcome[][] } {
  for (const v of values) {
    const outcomes = runAnchor(make(v));
    if (falseFail(outcomes) <= TARGET_FALSE_FAIL) return { label: `${name} ${knob}=${v}`, outcomes };
  }
  const v = values[values.length - 1];
  return { label: `${name} ${knob}=${v} (never within target)`, outcomes: runAnchor(make(v)) };
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const tOurs0 = performance.now();
const ours = runOurs();
const tOurs = performance.now() - tOurs0;
const defaults: { label: string; outcomes: Outcome[][] }[] = [
  { label: 'flagger threshold=1', outcomes: runAnchor(flagger(1)) },
  { label: 'argo failureLimit=0', outcomes: runAnchor(argo(0)) },
  { label: 'kayenta every interval', outcomes: runAnchor(kayenta(1)) },
  { label: 'codedeploy 1 of 1', outcomes: runAnchor(codeDeploy(1)) },
];
const calibrated = [
  calibrate('flagger', 'threshold', range(1, HORIZON), (v) => flagger(v)),
  calibrate('argo', 'failureLimit', range(0, HORIZON - 1), (v) => argo(v)),
  calibrate('kayenta', 'judgeEvery', [1, 2, 3, 5, 10, 15, HORIZON], (v) => kayenta(v)),
  calibrate('codedeploy', 'datapoints', range(1, HORIZON), (v) => codeDeploy(v)),
];

function cellFor(sc: Scenario, s: Score): string {
  if (sc.edge) return `fails ${pct(s.fails, s.traces)}`;
  if (!sc.bad) return `ff ${pct(s.fails, s.traces)} pass@${s.medianToPass ?? '-'}`;
  return `det ${pct(s.fails, s.traces)} @${s.medianToFail ?? '-'}`;
}
function table(title: string, rows: { label: string; outcomes: Outcome[][] }[]): void {
  console.log(`\n${title}`);
  console.log(['scenario'.padEnd(30), ...rows.map((r) => r.label.slice(0, 24).padEnd(24))].join(' | '));
  set.forEach((p, i) => {
    console.log([`${p.scenario.name} (${p.traces.length})`.padEnd(30), ...rows.map((r) => cellFor(p.scenario, score(r.outcomes[i])).padEnd(24))].join(' | '));
  });
  console.log(['healthy: false-fail overall'.padEnd(30), ...rows.map((r) => pct(falseFail(r.outcomes), 1).replace('%', '') .padEnd(0)).map((x) => `${(Number(x.replace('%', '')) ).toFixed(2)}%`.padEnd(24))].join(' | '));
  console.log(['bad: median to fail overall'.padEnd(30), ...rows.map((r) => String(pooledMedian(r.outcomes) ?? '-').padEnd(24))].join(' | '));
}
function pooledMedian(outcomes: Outcome[][]): number | undefined {
  return score(set.flatMap((p, i) => (p.scenario.bad ? outcomes[i] : []))).medianToFail;
}

const oursRow = { label: 'ours (alpha 1%)', outcomes: ours };
console.log(`scenario set: seed ${SEED}, ${HEALTHY_TRACES} traces per healthy and ${BAD_TRACES} per bad scenario, ${HORIZON} intervals each, canary 10% of traffic`);
console.log('cells: healthy -> false-fail rate, median intervals to pass; bad -> detection rate, median intervals to fail (undetected count as never; - when under half)');
table('Anchors at the settings from the notes (defaults):', [oursRow, ...defaults]);
table('Anchors calibrated to a false-fail rate <= 1% on these healthy traces (their one knob, smallest that meets it):', [oursRow, ...calibrated]);

// ---- targets ----
const ff = falseFail(ours);
const bestDefaultFf = Math.min(...defaults.map((d) => falseFail(d.outcomes)));
console.log(`\nfalse-fail on healthy canaries: ours ${(ff * 100).toFixed(2)}% (target <= 1% and <= best anchor at defaults ${(bestDefaultFf * 100).toFixed(2)}%): ${ff <= TARGET_FALSE_FAIL && ff <= bestDefaultFf ? 'MET' : 'NOT MET'}`);
const shortfalls: string[] = [];
for (const [i, p] of set.entries()) {
  if (!p.scenario.bad) continue;
  const mine = score(ours[i]).fails;
  for (const a of calibrated) {
    const theirs = score(a.outcomes[i]).fails;
    if (theirs > mine) shortfalls.push(`${p.scenario.name}: ours ${pct(mine, p.traces.length)} < ${a.label} ${pct(theirs, p.traces.length)}`);
  }
}
console.log(`detection at least as high as every calibrated anchor on every bad scenario: ${shortfalls.length ? `NOT MET (${shortfalls.join('; ')})` : 'MET'}`);
const oursMedian = pooledMedian(ours);
const anchorMedians = calibrated.map((a) => ({ label: a.label, median: pooledMedian(a.outcomes) }));
const finite = anchorMedians.filter((a) => a.median !== undefined && Number.isFinite(a.median)) as { label: string; median: number }[];
const best = finite.sort((a, b) => a.median - b.median)[0];
if (best && oursMedian !== undefined) {
  const ratio = best.median / oursMedian;
  console.log(`median intervals to fail on bad canaries: ours ${oursMedian} vs best calibrated anchor (${best.label}) ${best.median} = ${ratio.toFixed(2)}x shorter (target >= 2x): ${ratio >= 2 ? 'MET' : 'NOT MET'}`);
} else {
  console.log(`median intervals to fail on bad canaries: ours ${oursMedian ?? '-'}; calibrated anchors ${anchorMedians.map((a) => `${a.label} ${a.median ?? '-'}`).join(', ')}`);
}
console.log(`(generation ${((tGen - t0) / 1000).toFixed(1)} s; our replay of ${set.reduce((n, p) => n + p.traces.length, 0)} traces ${(tOurs / 1000).toFixed(2)} s)`);
