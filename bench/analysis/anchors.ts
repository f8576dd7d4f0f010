/**
 * The decision rules of the leading tools, implemented from ../../../shared/notes/analysis-anchors.md, run on
 * the same traces as our analysis. References for the benchmark, not product code. Each gets the same bounds
 * (`max`, and `max-increase` as a canary/control query or metric math) and sees one point value per interval,
 * as those tools do.
 */
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { allowedRatio, type IntervalEvaluation, type MetricInterval } from '../../shared/analysis/evaluate.js';

export interface AnchorResult {
  verdict: 'pass' | 'fail' | 'inconclusive';
  decidedAfter: number;
}

/** Judges a trace from its interval evaluations (point values per metric, computed once per trace). */
export type Anchor = (intervals: IntervalEvaluation[], specs: MetricSpec[]) => AnchorResult;

/** A point check as a threshold query sees it: within bounds, outside, no value (empty/NaN) or a query error. */
type Point = 'ok' | 'breach' | 'nodata' | 'error';
function point(m: MetricInterval): Point {
  if (m.status === 'error') return 'error';
  if (m.status !== 'ok') return 'nodata'; // empty series, or 0/0 = NaN with no traffic
  return m.breaches.length ? 'breach' : 'ok';
}

/**
 * Flagger: each interval, a failed check (out of range, or no value) adds 1 to failedChecks (cumulative);
 * roll back at failedChecks >= threshold (unset: 1). Each interval with no failed check advances the weight by
 * stepWeight; promotion at maxWeight. Settings: stepWeight 10, maxWeight 50 (the docs' example) -> 5 passes.
 */
export function flagger(threshold = 1, passesToPromote = 5): Anchor {
  return (intervals, specs) => {
    let failed = 0;
    let passes = 0;
    for (let i = 0; i < intervals.length; i++) {
      const ev = intervals[i];
      if (ev.metrics.some((m) => point(m) !== 'ok')) failed++;
      else passes++;
      if (failed >= threshold) return { verdict: 'fail', decidedAfter: i + 1 };
      if (passes >= passesToPromote) return { verdict: 'pass', decidedAfter: i + 1 };
    }
    return { verdict: 'inconclusive', decidedAfter: intervals.length };
  };
}

/**
 * Argo Rollouts: one measurement per interval and metric; success condition = within bounds, else Failed
 * (a NaN from 0/0 compares false: Failed); empty result or provider error = Error. A metric fails when
 * failed > failureLimit (default 0); Error when consecutive errors > consecutiveErrorLimit (default 4); either
 * aborts. No early success: Successful after `count` measurements (the horizon).
 */
export function argo(failureLimit = 0, consecutiveErrorLimit = 4): Anchor {
  return (intervals, specs) => {
    const failed = new Array(specs.length).fill(0);
    const errors = new Array(specs.length).fill(0);
    for (let i = 0; i < intervals.length; i++) {
      const ev = intervals[i];
      for (let k = 0; k < specs.length; k++) {
        const m = ev.metrics[k];
        const isError = m.status === 'error' || m.status === 'empty';
        errors[k] = isError ? errors[k] + 1 : 0;
        if (!isError && (m.status === 'no-traffic' || m.breaches.length)) failed[k]++;
        if (failed[k] > failureLimit || errors[k] > consecutiveErrorLimit) return { verdict: 'fail', decidedAfter: i + 1 };
      }
    }
    return { verdict: 'pass', decidedAfter: intervals.length };
  };
}

/**
 * AWS CodeDeploy: roll back when an alarm is in ALARM: `datapoints` breaching datapoints in a row (default
 * 1 of 1). Missing data -> INSUFFICIENT_DATA, which never rolls back. Success when the deployment time ends.
 */
export function codeDeploy(datapoints = 1): Anchor {
  return (intervals, specs) => {
    const streak = new Array(specs.length).fill(0);
    for (let i = 0; i < intervals.length; i++) {
      const ev = intervals[i];
      for (let k = 0; k < specs.length; k++) {
        const p = point(ev.metrics[k]);
        if (p === 'breach') streak[k]++;
        else if (p === 'ok') streak[k] = 0;
        if (streak[k] >= datapoints) return { verdict: 'fail', decidedAfter: i + 1 };
      }
    }
    return { verdict: 'pass', decidedAfter: intervals.length };
  };
}

// ---- Kayenta: Mann-Whitney classifier at 98% confidence on the per-interval points ----

const Z98 = 2.3263;

/** Two-sample Hodges-Lehmann shift (canary - control) with the distribution-free confidence interval. */
function mannWhitney(x: number[], y: number[]): { estimate: number; lower: number; upper: number } {
  const d: number[] = [];
  for (const a of x) for (const b of y) d.push(a - b);
  d.sort((a, b) => a - b);
  const n = d.length;
  const k = Math.max(0, Math.floor((x.length * y.length) / 2 - Z98 * Math.sqrt((x.length * y.length * (x.length + y.length + 1)) / 12)));
  const mid = n % 2 ? d[(n - 1) / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
  return { estimate: mid, lower: d[Math.min(k, n - 1)], upper: d[Math.max(0, n - 1 - k)] };
}

type Classification = 'Pass' | 'High' | 'Nodata';
function classify(canary: number[], control: number[], spec: MetricSpec): Classification {
  if (!canary.length || !control.length) return 'Nodata';
  if (canary.length === control.length && canary.every((v, i) => v === control[i])) return 'Pass';
  const mw = mannWhitney(canary, control);
  const tolerance = 0.25 * Math.abs(mw.estimate);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const ratio = mean(canary) / mean(control);
  const allowed = allowedRatio(spec) ?? 1;
  return mw.lower > tolerance && ratio >= allowed ? 'High' : 'Pass';
}

/**
 * Kayenta (NetflixACAJudge + MannWhitneyClassifier): per metric, the canary's and the control's per-interval
 * points so far (NaN removed); High when the 98% interval of the Hodges-Lehmann shift lies above 0.25 x |shift|
 * and the ratio of means reaches the allowed increase (effectSize.allowedIncrease = 1 + max-increase).
 * Score = share of metrics not High; a critical metric not Pass, or NODATA on >= 50% of metrics, scores 0.
 * Judged every `judgeEvery` intervals (interim judgments fail early below the marginal threshold 75);
 * at the end, score >= 95 passes, else fails.
 */
export function kayenta(judgeEvery = 1): Anchor {
  return (intervals, specs) => {
    const points = specs.map(() => ({ canary: [] as number[], control: [] as number[] }));
    const score = () => {
      const cls = specs.map((s, k) => classify(points[k].canary, points[k].control, s));
      if (cls.filter((c) => c === 'Nodata').length * 2 >= cls.length) return 0;
      if (cls.some((c) => c === 'High')) return 0; // every metric is critical in our specs
      return 100;
    };
    for (let i = 0; i < intervals.length; i++) {
      const ev = intervals[i];
      ev.metrics.forEach((m, k) => {
        if (m.canary.value !== undefined) points[k].canary.push(m.canary.value);
        if (m.control.value !== undefined) points[k].control.push(m.control.value);
      });
      const last = i === intervals.length - 1;
      if ((i + 1) % judgeEvery === 0 || last) {
        const s = score();
        if (last) return { verdict: s >= 95 ? 'pass' : 'fail', decidedAfter: i + 1 };
        if (s < 75 && points.every((p) => p.canary.length >= 3)) return { verdict: 'fail', decidedAfter: i + 1 };
      }
    }
    return { verdict: 'inconclusive', decidedAfter: intervals.length };
  };
}
