import { Assessment, heartbeat, type AssessmentOptions } from '../../shared/analysis/index.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import type { Judge, Judgement, NewJudge } from './judge.js';

function judgementOf(a: Assessment, weight: number): Judgement {
  const d = a.current;
  return { decision: d.decided ? d.verdict : 'continue', reason: d.reason, line: heartbeat(a, weight) };
}

/** shared/analysis's Assessment behind monitor-canary's Judge (the same engine replay uses). */
export function assessmentJudge(specs: readonly MetricSpec[], options: AssessmentOptions): Judge {
  const assessment = new Assessment(specs, options);
  return {
    add: (interval, weight) => (assessment.add(interval), judgementOf(assessment, weight)),
    conclude: (weight) => (assessment.conclude(), judgementOf(assessment, weight)),
    report: () => assessment.report(),
  };
}

/**
 * The judges of a walk of `steps` traffic steps: each step judged with its horizon and an even share of the
 * false-alarm rate, so a healthy canary fails the whole walk at most at the rate asked (the union bound;
 * shared/analysis/README.md).
 */
export function stepJudges(specs: readonly MetricSpec[], options: AssessmentOptions, steps: number): NewJudge {
  const falseAlarmRate = (options.falseAlarmRate ?? 0.01) / Math.max(1, steps);
  return (horizon) => assessmentJudge(specs, { ...options, falseAlarmRate, horizon });
}
