import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { sleep, windowEndingAt } from '../../shared/analysis/watch-clock.js';
import type { MetricsProvider, TargetNames } from '../../shared/metrics/provider.js';
import type { Judgement, NewJudge } from './judge.js';
import type { MonitorReport, StepReport } from './report.js';

/** The part of a traffic router the analysis needs. */
export interface WeightControl {
  setWeight(canaryWeight: number): Promise<void>;
  /**
   * Before every judgement: throws when the canary no longer gets the weight this step set (a GitOps
   * self-heal reverted the route, someone edited it), so a canary without its traffic is never judged.
   */
  verify?(canaryWeight: number): Promise<void>;
}

export interface LivePlan {
  steps: number[];
  intervalMs: number;
  stepDurationMs: number;
}

export interface LiveDeps {
  provider: MetricsProvider;
  router: WeightControl;
  specs: MetricSpec[];
  targets: TargetNames;
  newJudge: NewJudge;
  log: (line: string) => void;
  /** Aborts on cancel. */
  signal?: AbortSignal;
  /** Called at every interval before measuring (the canary's lease is renewed there); a throw stops the walk. */
  heartbeat?: () => Promise<unknown>;
  now?: () => number;
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type LiveResult = Pick<MonitorReport, 'verdict' | 'reason' | 'decidedAfter' | 'steps'>;

/** Intervals in one step: floor(step-duration / interval), at least 1 (the step's horizon). */
export function intervalsPerStep(plan: Pick<LivePlan, 'intervalMs' | 'stepDurationMs'>): number {
  return Math.max(1, Math.floor(plan.stepDurationMs / plan.intervalMs));
}

/**
 * Steps the canary's weight up and judges each step interval by interval: a step that passes early
 * moves on at once, a failure stops at once; at the end of its time a step is judged with its horizon (pass
 * when nothing failed and every metric had enough evidence, else inconclusive, which stops the walk: more
 * traffic needs evidence). Traffic changes only through `router`; what to do with
 * it afterwards (reset, rollback) is the caller's.
 */
export async function runLive(plan: LivePlan, deps: LiveDeps): Promise<LiveResult> {
  const now = deps.now ?? Date.now;
  const wait = deps.wait ?? sleep;
  const perStep = intervalsPerStep(plan);
  const steps: StepReport[] = [];
  let total = 0;
  let last: Judgement | undefined;

  for (const weight of plan.steps) {
    deps.signal?.throwIfAborted(); // a cancel before this step: no more traffic for the canary
    await deps.router.setWeight(weight);
    deps.log(`Canary weight ${weight}%: judging every ${plan.intervalMs / 1000}s, for at most ${perStep} interval(s).`);
    const judge = deps.newJudge(perStep);
    let seen = 0;
    do {
      await wait(plan.intervalMs, deps.signal);
      await deps.heartbeat?.();
      const measured = await deps.provider.measure(deps.specs, windowEndingAt(now(), plan.intervalMs), deps.targets);
      await deps.router.verify?.(weight);
      seen++;
      total++;
      last = judge.add(measured, weight);
      if (last.decision === 'continue' && seen >= perStep) last = judge.conclude(weight);
      deps.log(last.line);
    } while (last.decision === 'continue');
    steps.push({ weight, outcome: last.decision, intervals: seen, analysis: judge.report() });
    if (last.decision !== 'pass') return { verdict: last.decision, reason: `at ${weight}%: ${last.reason}`, decidedAfter: total, steps };
  }
  return { verdict: 'pass', reason: `every step passed (${plan.steps.map((s) => `${s}%`).join(', ')}); last: ${last?.reason ?? ''}`, decidedAfter: total, steps };
}
