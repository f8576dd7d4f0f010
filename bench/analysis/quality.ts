/** Scoring of decision rules over the scenario set: false-fail, detection, intervals to decision. */
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
