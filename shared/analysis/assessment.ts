import { ConfigurationError } from '../errors.js';
import type { IntervalMeasurements } from './measurement.js';
import type { MetricSpec, MissingDataPolicy } from './metric-spec.js';
import { evaluateInterval, type IntervalEvaluation } from './evaluate.js';
import { alphaWeight, MetricEvidence } from './metric-evidence.js';
import { DEFAULT_TUNING, type SequenceTuning } from './sequences/sequence.js';
import { buildReport, type AnalysisReport } from './report.js';
import { endOfStepInconclusiveReason, endOfStepPassReason, failReason, inconclusiveReason, passReason } from './reasons.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface AssessmentOptions {
  /** Probability of failing a canary that is within its bounds, over the whole analysis (default 0.01). */
  falseAlarmRate?: number;
  /**
   * Intervals the analysis lasts (default: none; call `conclude()`, which ends an undecided analysis
   * `inconclusive`). When set, the false-alarm rate is spent over exactly these looks (group-sequential
   * boundaries), which decides sooner than the anytime-valid sequences used without it, and the end of the
   * step is a decision of its own: reaching the horizon with no fail is a `pass` when every required metric
   * has enough evidence (data in at least half the intervals; ratio metrics at least 100 canary requests and,
   * with `max-increase`, 100 control requests; no provider error at the latest interval: see
   * MetricEvidence.stepEvidence), else `inconclusive`.
   * monitor-canary: step-duration / interval live, the trace's length in replay.
   */
  horizon?: number;
  /** Fewest intervals before a pass (default 1). */
  minIntervalsToPass?: number;
  /** Argo-like hard limit: fail when more intervals than this broke a bound on their point values (default: off). */
  failureLimit?: number;
  /** Fail when a metric's provider errors more than this many intervals in a row (default 4, as Argo). */
  consecutiveErrorLimit?: number;
  /** For metrics without their own `on-missing-data` (default `inconclusive`). */
  onMissingData?: MissingDataPolicy;
  /** Method constants (for the benchmark's tuning runs; keep the defaults). */
  tuning?: SequenceTuning;
}

export interface Decision {
  decided: boolean;
  /** `inconclusive` while undecided. */
  verdict: Verdict;
  reason: string;
  /** Intervals consumed so far, or when the decision was taken. */
  intervals: number;
}

function check(name: string, value: number | undefined, ok: (v: number) => boolean, expected: string): void {
  if (value !== undefined && !ok(value)) throw new ConfigurationError(`Invalid \`${name}\`: '${value}'. Expected ${expected}.`);
}

/**
 * The assessment over intervals: feeds each interval's evaluation to every metric's confidence sequences and
 * decides as soon as it can. Fail as soon as a critical metric's interval lies wholly on the bad side of a bound
 * (or a limit is exceeded); pass as soon as every critical metric's intervals lie wholly on the good side;
 * otherwise keep watching. A decision is final: later intervals do not change it.
 */
export class Assessment {
  readonly metrics: MetricEvidence[];
  readonly falseAlarmRate: number;
  private count = 0;
  private decision: Decision = { decided: false, verdict: 'inconclusive', reason: 'no interval judged yet', intervals: 0 };

  constructor(readonly specs: readonly MetricSpec[], readonly options: AssessmentOptions = {}) {
    check('false-alarm-rate', options.falseAlarmRate, (v) => v > 0 && v < 0.5, 'a probability between 0 and 0.5, such as 0.01');
    check('horizon', options.horizon, (v) => Number.isInteger(v) && v > 0, 'a positive whole number of intervals');
    check('failure-limit', options.failureLimit, (v) => Number.isInteger(v) && v >= 0, 'a whole number of intervals, 0 or more');
    check('consecutive-error-limit', options.consecutiveErrorLimit, (v) => Number.isInteger(v) && v >= 0, 'a whole number of intervals, 0 or more');
    if (specs.length === 0) throw new ConfigurationError('Invalid `metrics`: no metric to judge. Expected at least one.');
    this.falseAlarmRate = options.falseAlarmRate ?? 0.01;
    // The false-alarm rate is for the whole analysis: split over the critical metrics' checks by their weights.
    const tuning = options.tuning ?? DEFAULT_TUNING;
    const weight = specs.filter((s) => s.critical !== false).reduce((w, s) => w + alphaWeight(s, tuning), 0);
    const alphaUnit = this.falseAlarmRate / (weight || 1);
    this.metrics = specs.map((s) => new MetricEvidence(s, alphaUnit, options.onMissingData ?? 'inconclusive', tuning, options.horizon));
  }

  get intervals(): number {
    return this.count;
  }

  get current(): Decision {
    return this.decision;
  }

  /** Judges one more interval. Once decided, further intervals are ignored. */
  add(interval: IntervalMeasurements): Decision {
    return this.addEvaluation(evaluateInterval(this.specs, interval));
  }

  addEvaluation(evaluation: IntervalEvaluation): Decision {
    if (this.decision.decided) return this.decision;
    this.count++;
    evaluation.metrics.forEach((m, i) => this.metrics[i].add(m, evaluation.t));
    this.decision = this.decide();
    return this.decision;
  }

  /** Ends the analysis now: an undecided analysis becomes `inconclusive`, with the metric that held it back. */
  conclude(): Decision {
    if (!this.decision.decided) this.decision = { decided: true, verdict: 'inconclusive', reason: inconclusiveReason(this.metrics, this.count), intervals: this.count };
    return this.decision;
  }

  private decide(): Decision {
    const n = this.count;
    const { failureLimit, consecutiveErrorLimit = 4, minIntervalsToPass = 1, horizon } = this.options;
    const done = (verdict: Verdict, reason: string): Decision => ({ decided: true, verdict, reason, intervals: n });
    for (const m of this.metrics) {
      if (!m.critical) continue;
      if (m.consecutiveErrors > consecutiveErrorLimit) {
        return done('fail', `${m.spec.name}: provider error in ${m.consecutiveErrors} intervals in a row (more than consecutive-error-limit ${consecutiveErrorLimit}): ${m.lastError ?? 'unknown error'}`);
      }
      if (m.lastStatus === 'empty' && m.policy === 'fail') {
        return done('fail', `${m.spec.name}: no data at interval ${n} (on-missing-data: fail)`);
      }
      if (failureLimit !== undefined && m.counts.breaches > failureLimit) {
        return done('fail', `${m.spec.name}: ${m.counts.breaches} intervals broke a bound (more than failure-limit ${failureLimit})`);
      }
      if (m.state() === 'fail') return done('fail', failReason(m, n));
    }
    if (n >= minIntervalsToPass) {
      const required = this.metrics.filter((m) => m.critical && !(m.policy === 'ignore' && m.withData === 0));
      if (required.length && required.every((m) => m.state() === 'pass')) return done('pass', passReason(required, n));
    }
    if (horizon !== undefined && n >= horizon) return this.endOfStep(n, horizon);
    // Undecided: the reason is only worked out if someone reads it (replay of long traces never does).
    const metrics = this.metrics;
    return { decided: false, verdict: 'inconclusive', intervals: n, get reason() { return inconclusiveReason(metrics, n); } };
  }

  /**
   * The horizon reached with no fail (what Flagger, Argo Rollouts and Kayenta call success at the end of an
   * analysis), but with missing data kept honest: `pass` only when every required metric (critical, and not
   * `ignore` without data) has the end-of-step evidence; otherwise `inconclusive`, naming what is lacking.
   */
  private endOfStep(n: number, horizon: number): Decision {
    const required = this.metrics.filter((m) => m.critical && !(m.policy === 'ignore' && m.withData === 0));
    if (!required.length) return { decided: true, verdict: 'inconclusive', reason: inconclusiveReason(this.metrics, n), intervals: n };
    const short = required.find((m) => m.stepEvidence(horizon).lacking.length > 0);
    if (short) return { decided: true, verdict: 'inconclusive', reason: endOfStepInconclusiveReason(short, n, horizon), intervals: n };
    return { decided: true, verdict: 'pass', reason: endOfStepPassReason(required, n, horizon), intervals: n };
  }

  /** The full report (verdict, per-metric evidence and series) for the summary, the `report` output and the artifact. */
  report(): AnalysisReport {
    return buildReport(this);
  }
}
