/** Scoring of decision rules over the scenario set: false-fail, detection, intervals to decision. */
import type { Scenario } from './scenarios.js';

export interface Outcome {
  verdict: 'pass' | 'fail' | 'inconclusive';
  decidedAfter: number;
}

export interface Score {
  traces: number;
  fails: number;
  passes: number;
  /** Median intervals to a fail among all traces (undetected count as never): undefined when under half fail. */
  medianToFail?: number;
  /** Median intervals to a pass among all traces (not passed count as never). */
  medianToPass?: number;
}

function medianWithNever(times: number[], total: number): number | undefined {
  if (times.length * 2 <= total) return undefined;
  const sorted = [...times].sort((a, b) => a - b);
  const all = [...sorted, ...new Array(total - times.length).fill(Infinity)];
  const n = all.length;
  return n % 2 ? all[(n - 1) / 2] : (all[n / 2 - 1] + all[n / 2]) / 2;
}

export function score(outcomes: Outcome[]): Score {
  const fails = outcomes.filter((o) => o.verdict === 'fail');
  const passes = outcomes.filter((o) => o.verdict === 'pass');
  return {
    traces: outcomes.length,
    fails: fails.length,
    passes: passes.length,
    medianToFail: medianWithNever(fails.map((o) => o.decidedAfter), outcomes.length),
    medianToPass: medianWithNever(passes.map((o) => o.decidedAfter), outcomes.length),
  };
}

export function pct(n: number, d: number): string {
  return `${((100 * n) / d).toFixed(1)}%`;
}

/** A decision rule's outcomes on every trace of every scenario (same order as the set). */
export interface Row {
  label: string;
  outcomes: Outcome[][];
}

/** Healthy noise only, or every acceptable canary (healthy noise and those within the margin, at it included). */
export type Population = 'noise' | 'acceptable';

function inPopulation(sc: Scenario, population: Population): boolean {
  return !sc.bad && (population === 'acceptable' || !sc.edge);
}

/** Rates over the scenarios of a population: pooled over their traces, and the worst single scenario. */
export function falseFail(scenarios: Scenario[], outcomes: Outcome[][], population: Population): { pooled: number; worst: number } {
  let fails = 0;
  let total = 0;
  let worst = 0;
  scenarios.forEach((sc, i) => {
    if (!inPopulation(sc, population)) return;
    const f = outcomes[i].filter((o) => o.verdict === 'fail').length;
    fails += f;
    total += outcomes[i].length;
    worst = Math.max(worst, f / outcomes[i].length);
  });
  return { pooled: fails / total, worst };
}

/** Share of the canaries exactly at the margin that a rule fails (the line the user drew: neither healthy nor bad). */
export function atMargin(scenarios: Scenario[], outcomes: Outcome[][]): number {
  const at = scenarios.flatMap((sc, i) => (sc.edge ? outcomes[i] : []));
  return at.filter((o) => o.verdict === 'fail').length / (at.length || 1);
}

/** Pooled score over the bad scenarios, or over a population of acceptable ones. */
export function pooled(scenarios: Scenario[], outcomes: Outcome[][], which: 'bad' | Population): Score {
  return score(scenarios.flatMap((sc, i) => ((which === 'bad' ? sc.bad : inPopulation(sc, which)) ? outcomes[i] : [])));
}

export function pct2(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

/** How many bad canaries a rule has failed by each interval in `by` (a median of k needs more than half by k). */
export function failedBy(scenarios: Scenario[], outcomes: Outcome[][], by: number[]): string {
  const times = scenarios.flatMap((sc, i) => (sc.bad ? outcomes[i].filter((o) => o.verdict === 'fail').map((o) => o.decidedAfter) : []));
  const total = scenarios.reduce((n, sc, i) => n + (sc.bad ? outcomes[i].length : 0), 0);
  return `${by.map((k) => `${k}:${times.filter((t) => t <= k).length}`).join(' ')} of ${total} (a median of k needs ${Math.floor(total / 2) + 1} by k)`;
}
