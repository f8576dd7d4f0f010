import type { MetricSpec, MissingDataPolicy } from './metric-spec.js';
import { allowedRatio, type BoundName, type MetricInterval } from './evaluate.js';
import { judgedFromSamples, logStatWithVariance } from './sample-stats.js';
import { LogGaussianSequence } from './sequences/log-gaussian.js';
import { ProportionSequence } from './sequences/proportion.js';
import { RateRatioSequence } from './sequences/rate-ratio.js';
import { DEFAULT_TUNING, type ConfidenceSequence, type SequenceTuning } from './sequences/sequence.js';
import { LogRatioSequence, MeanSequence } from './sequences/t-mixture.js';
import { QuantileSequence } from './sequences/quantile.js';
import { totalOf } from './histogram.js';
import { horizonTest, type HorizonTest } from './horizon-test.js';
import type { HorizonScore } from './sequences/horizon.js';

export type CheckDecision = 'pass' | 'fail' | 'undecided';

/** One bound of one metric, with the evidence about it (for the report table and the heartbeat). */
export interface CheckEvidence {
  bound: BoundName;
  /** The limit in the estimate's units: the allowed ratio canary/control, or the absolute bound. */
  limit: number;
  /** Where the fail test is taken (the interval must lie wholly beyond it): the limit itself for `max`/`min`. */
  failAt: number;
  /** Ratio canary/control for `max-increase`; the canary's level for `max`/`min`. */
  estimate?: number;
  /** The confidence interval of the estimate that the decision is taken on (anytime-valid, or for the horizon's looks). */
  lower?: number;
  upper?: number;
  decision: CheckDecision;
}

export type MetricState = 'pass' | 'fail' | 'watching';

export interface IntervalCounts {
  ok: number;
  empty: number;
  'no-traffic': number;
  error: number;
  /** Intervals whose point values broke a bound. */
  breaches: number;
}

/**
 * Where `max-increase` is tested for a fail, as a share of the allowed change on the log scale (0: no change,
 * 1: the margin itself; 0.35: x1.15 for an allowed x1.5). Tuned on bench seed 1 (bench/analysis-spending.bench.ts):
 * 0.5 caught 49% of x2 error canaries against 59% at 0.35; 0.2 caught 63% but failed 0.54% of healthy ones (0.21%
 * at 0.35), more than the best calibrated anchor.
 */
export const FAIL_AT_SHARE = 0.35;

/** One check of a metric as configured (fixed for the whole analysis). */
interface Check {
  bound: BoundName;
  limit: number;
  failAt: number;
  /** The check's weight in the false-alarm split (`max` and `min` read one sequence and share one weight). */
  weight: number;
  /** The sequence the check reads. */
  sequence: keyof Sequences;
  bad: 'above' | 'below';
}

/** A check with its share of the false-alarm rate. */
interface Bound extends Check {
  alpha: number;
}

/** The sequences a metric needs: one for canary vs control, one for the canary against absolute bounds. */
interface Sequences {
  relative?: ConfidenceSequence;
  absolute?: ConfidenceSequence;
}

/**
 * A check's group-sequential tests when the horizon is known: the fail test (at the check's `failAt`, on its bad
 * side) and the pass test (at its limit, on the good side), each with its boundary spent over the horizon's looks;
 * a Gaussian boundary is symmetric, so one serves both when they test the same value. A pass is final (the pass
 * test stops there).
 */
interface HorizonCheck {
  fail: HorizonTest;
  pass: HorizonTest;
  /** The fail test rejected at the latest look and the estimate is beyond the limit. */
  failing: boolean;
  passed: boolean;
}

/**
 * End-of-step evidence (a step that reaches its horizon without a fail passes only with it; no data is never
 * health): data (not error, empty or without traffic) in at least half the step's intervals and, for ratio
 * metrics, at least MIN_REQUESTS requests (denominator events) from the canary and, when the metric has a
 * `max-increase`, as many from the control; and no provider error at the latest interval (as for an early pass).
 */
export const MIN_DATA_SHARE = 0.5;
export const MIN_REQUESTS = 100;

/** What a metric has seen by the end of a step, and what an end-of-step pass lacks (empty: nothing). */
export interface StepEvidence {
  dataIntervals: number;
  neededIntervals: number;
  canaryRequests?: number;
  controlRequests?: number;
  lacking: string[];
}

/**
 * The false-alarm rate is split between the checks of the critical metrics in proportion to their weights
 * (a Bonferroni split with weights fixed before any data). An absolute bound (`max`, `min`) gets a smaller
 * share than `max-increase` (weight 1): tuned on bench seed 1 (bench/analysis-spending.bench.ts).
 */
export const ABSOLUTE_WEIGHT = 0.25;

/**
 * The checks a metric has: each with its limit and the value its fail test is taken at (`failAt`). An absolute
 * bound is tested at itself. `max-increase` is the worsening the user tolerates, and is judged as Kayenta judges
 * an effect (a significant difference whose size passes a tolerance), but sequentially and at a known rate: a
 * fail needs the test of "ratio <= failAt" rejected at the check's alpha AND the estimated ratio beyond the
 * allowed one. failAt = allowed^FAIL_AT_SHARE lies between no change and the margin, so the false-alarm rate
 * holds for every canary up to it (no worse than its control, or slightly worse), while a canary at twice an
 * allowed x1.5 is caught far more often than by testing "ratio <= allowed" itself. A canary exactly at the
 * margin is the line the user drew: it fails about as often as its estimate lands beyond it.
 */
function checksOf(spec: MetricSpec, tuning: SequenceTuning): Check[] {
  const out: Check[] = [];
  const ratio = allowedRatio(spec);
  const absolute = tuning.absoluteWeight ?? ABSOLUTE_WEIGHT;
  if (ratio !== undefined) {
    const failAt = ratio ** (tuning.failAtShare ?? FAIL_AT_SHARE);
    out.push({ bound: 'max-increase', limit: ratio, failAt, weight: 1, sequence: 'relative', bad: spec.direction === 'higher-is-better' ? 'below' : 'above' });
  }
  if (spec.max !== undefined) out.push({ bound: 'max', limit: spec.max, failAt: spec.max, weight: absolute, sequence: 'absolute', bad: 'above' });
  if (spec.min !== undefined) out.push({ bound: 'min', limit: spec.min, failAt: spec.min, weight: absolute, sequence: 'absolute', bad: 'below' });
  return out;
}

/** A metric's share of the false-alarm rate: the weights of its checks, one per sequence they read. */
export function alphaWeight(spec: MetricSpec, tuning: SequenceTuning = DEFAULT_TUNING): number {
  const perSequence = new Map(checksOf(spec, tuning).map((c) => [c.sequence, c.weight]));
  return [...perSequence.values()].reduce((a, b) => a + b, 0);
}

/** Accumulates one metric's evidence over intervals and decides its checks. */
export class MetricEvidence {
  readonly counts: IntervalCounts = { ok: 0, empty: 0, 'no-traffic': 0, error: 0, breaches: 0 };
  consecutiveErrors = 0;
  lastStatus: MetricInterval['status'] | undefined;
  lastError: string | undefined;
  /** Intervals with any canary evidence (used by `on-missing-data: ignore`). */
  withData = 0;
  readonly series: { t: number; canary: number | null; control: number | null }[] = [];
  readonly policy: MissingDataPolicy;
  private seq: Sequences = {};
  private mode: 'samples' | 'values' | undefined;
  private canarySum = 0;
  private controlSum = 0;
  private canaryN = 0;
  private cachedDecisions: { bound: BoundName; decision: CheckDecision }[] | undefined;
  private controlN = 0;
  private canaryRequests = 0;
  private controlRequests = 0;
  private readonly horizonChecks: Map<BoundName, HorizonCheck> | undefined;
  /** The metric's checks, each with its alpha (fixed for the analysis). */
  private readonly bounds: Bound[];

  /**
   * `alphaUnit`: the false-alarm rate per unit of check weight (a check gets alphaUnit times its weight; `max`
   * and `min` share one). `horizon`: the number of intervals the analysis lasts at most, when known: the checks then use
   * group-sequential boundaries that spend `alpha` over exactly those looks instead of anytime-valid ones.
   */
  constructor(readonly spec: MetricSpec, alphaUnit: number, globalPolicy: MissingDataPolicy, private readonly tuning: SequenceTuning = DEFAULT_TUNING, readonly horizon?: number) {
    this.policy = spec.onMissingData ?? globalPolicy;
    this.bounds = checksOf(spec, tuning).map((c) => ({ ...c, alpha: alphaUnit * c.weight }));
    const relative = this.bounds.find((b) => b.sequence === 'relative');
    if (spec.kind === 'ratio') {
      if (relative) this.seq.relative = new RateRatioSequence([relative.limit, relative.failAt], tuning);
      if (spec.max !== undefined || spec.min !== undefined) this.seq.absolute = new ProportionSequence(tuning);
    }
    if (spec.kind === 'histogram') {
      const q = spec.quantile ?? 0.95;
      if (relative) this.seq.relative = new QuantileSequence(q, true, tuning);
      if (spec.max !== undefined || spec.min !== undefined) this.seq.absolute = new QuantileSequence(q, false, tuning);
    }
    if (horizon !== undefined) {
      this.horizonChecks = new Map();
      for (const { bound, limit, failAt, alpha, bad, sequence } of this.bounds) {
        const seq = this.seq[sequence];
        const good = bad === 'above' ? 'below' : 'above';
        const test = (value: number, side: 'above' | 'below') => horizonTest({ horizon, alpha, value, side, power: tuning.spendPower }, seq);
        const fail = test(failAt, bad);
        const pass = failAt === limit && !seq?.countCells ? fail : test(limit, good);
        this.horizonChecks.set(bound, { fail, pass, failing: false, passed: false });
      }
    }
  }

  /** Whether it decides the verdict: critical (the default) and not a dry run. */
  get critical(): boolean {
    return this.spec.critical !== false && this.spec.dryRun !== true;
  }

  add(m: MetricInterval, t: number): void {
    this.cachedDecisions = undefined;
    this.counts[m.status]++;
    if (m.breaches.length) this.counts.breaches++;
    this.lastStatus = m.status;
    this.consecutiveErrors = m.status === 'error' ? this.consecutiveErrors + 1 : 0;
    if (m.status === 'error') this.lastError = m.message;
    this.series.push({ t, canary: m.canary.value ?? null, control: m.control.value ?? null });
    if (m.canary.value !== undefined) {
      this.withData++;
      this.canarySum += m.canary.value;
      this.canaryN++;
    }
    if (m.control.value !== undefined) {
      this.controlSum += m.control.value;
      this.controlN++;
    }
    if (this.spec.kind === 'ratio') this.addCounts(m);
    else if (this.spec.kind === 'histogram') this.addHistogram(m);
    else this.addValues(m);
    this.look();
  }

  /**
   * One look of every group-sequential check (every interval, with or without new evidence): the fail test
   * rejects "no worse than `failAt`" and the estimate is beyond the limit; the pass test rejects "at the limit
   * or worse".
   */
  private look(): void {
    if (!this.horizonChecks) return;
    for (const b of this.bounds) {
      const { bound, limit, failAt, bad } = b;
      const seq = this.seq[b.sequence];
      const h = this.horizonChecks.get(bound)!;
      const failScore = seq?.score?.(failAt);
      const passScore = failAt === limit ? failScore : seq?.score?.(limit);
      h.fail.look(seq, failScore);
      if (h.pass !== h.fail) h.pass.look(seq, passScore);
      h.failing = beyondLimit(b, seq?.estimate()) && sideAt(failScore, h.fail.c) === bad;
      const passSide = sideAt(passScore, h.pass.c);
      if (passSide !== 'spans' && passSide !== bad) h.passed = true;
    }
  }

  private addCounts(m: MetricInterval): void {
    const c = m.canary.observation;
    const s = m.control.observation;
    if (c?.kind !== 'ratio') return;
    this.canaryRequests += c.den;
    if (s?.kind === 'ratio') this.controlRequests += s.den;
    (this.seq.absolute as ProportionSequence | undefined)?.add(c.num, c.den);
    if (s?.kind === 'ratio') (this.seq.relative as RateRatioSequence | undefined)?.add(c.num, c.den, s.num, s.den);
  }

  private addHistogram(m: MetricInterval): void {
    const c = m.canary.observation;
    const s = m.control.observation;
    if (c?.kind !== 'histogram') return;
    this.canaryRequests += totalOf(c);
    if (s?.kind === 'histogram') this.controlRequests += totalOf(s);
    (this.seq.absolute as QuantileSequence | undefined)?.add(c);
    if (s?.kind === 'histogram') (this.seq.relative as QuantileSequence | undefined)?.add(c, s);
  }

  private addValues(m: MetricInterval): void {
    const c = m.canary.observation;
    const s = m.control.observation;
    if (c?.kind !== 'value') return;
    const spec = this.spec;
    if (!this.mode) {
      this.mode = c.samples.length > 1 && judgedFromSamples(spec.stat) ? 'samples' : 'values';
      const make = () => (this.mode === 'samples' ? new LogGaussianSequence(this.tuning) : undefined);
      if (spec.maxIncrease !== undefined) this.seq.relative = make() ?? new LogRatioSequence();
      if (spec.max !== undefined || spec.min !== undefined) this.seq.absolute = make() ?? new MeanSequence();
    }
    if (this.mode === 'samples') {
      const lc = logStatWithVariance(c.samples, spec.stat);
      if (!lc) return;
      (this.seq.absolute as LogGaussianSequence | undefined)?.add(lc.log, lc.variance, 1 / c.samples.length);
      const ls = s?.kind === 'value' ? logStatWithVariance(s.samples, spec.stat) : undefined;
      if (ls && s?.kind === 'value') (this.seq.relative as LogGaussianSequence | undefined)?.add(lc.log - ls.log, lc.variance + ls.variance, 1 / c.samples.length + 1 / s.samples.length);
      return;
    }
    (this.seq.absolute as MeanSequence | undefined)?.add(m.canary.value!);
    if (m.control.value !== undefined) (this.seq.relative as LogRatioSequence | undefined)?.add(m.canary.value!, m.control.value);
  }

  /** The evidence seen over a step of `horizon` intervals, and what an end-of-step pass still lacks. */
  stepEvidence(horizon: number): StepEvidence {
    const dataIntervals = this.counts.ok;
    const neededIntervals = Math.ceil(MIN_DATA_SHARE * horizon);
    const lacking: string[] = [];
    if (dataIntervals < neededIntervals) lacking.push(`data in ${dataIntervals} of ${horizon} intervals (needs ${neededIntervals})`);
    if (this.lastStatus === 'error') lacking.push(`a provider error at the latest interval (${this.lastError ?? 'unknown error'})`);
    if (this.spec.kind === 'value') return { dataIntervals, neededIntervals, lacking };
    if (this.canaryRequests < MIN_REQUESTS) lacking.push(`${this.canaryRequests} canary requests (needs ${MIN_REQUESTS})`);
    const relative = this.spec.maxIncrease !== undefined;
    if (relative && this.controlRequests < MIN_REQUESTS) lacking.push(`${this.controlRequests} control requests (needs ${MIN_REQUESTS})`);
    return { dataIntervals, neededIntervals, canaryRequests: this.canaryRequests, ...(relative ? { controlRequests: this.controlRequests } : {}), lacking };
  }

  /** The canary's and the control's level over the intervals so far (pooled rate, or mean value). */
  levels(): { canary?: number; control?: number } {
    if (this.spec.kind === 'ratio') {
      const rel = this.seq.relative as RateRatioSequence | undefined;
      const abs = this.seq.absolute as ProportionSequence | undefined;
      const canary = abs?.estimate() ?? (rel && rel.canaryTotal ? rel.canaryEvents / rel.canaryTotal : undefined);
      const control = rel && rel.controlTotal ? rel.controlEvents / rel.controlTotal : undefined;
      return { canary, control };
    }
    if (this.spec.kind === 'histogram') {
      const rel = (this.seq.relative as QuantileSequence | undefined)?.levels();
      const abs = (this.seq.absolute as QuantileSequence | undefined)?.levels();
      return { canary: rel?.canary ?? abs?.canary, control: rel?.control };
    }
    return {
      canary: this.canaryN ? this.canarySum / this.canaryN : undefined,
      control: this.controlN ? this.controlSum / this.controlN : undefined,
    };
  }

  /** Decisions only (cheap: no intervals computed). */
  decisions(): { bound: BoundName; decision: CheckDecision }[] {
    this.cachedDecisions ??= this.bounds.map((b) => {
      const h = this.horizonChecks?.get(b.bound);
      return { bound: b.bound, decision: h ? decideAtLook(h) : decide(b, this.seq[b.sequence]) };
    });
    return this.cachedDecisions;
  }

  /** Full evidence per check, with confidence intervals. */
  checks(): CheckEvidence[] {
    const decisions = this.decisions();
    return this.bounds.map(({ bound, limit, failAt, sequence, alpha }, i) => {
      const seq = this.seq[sequence];
      const decision = decisions[i].decision;
      const estimate = seq?.estimate();
      if (!seq || estimate === undefined) return { bound, limit, failAt, decision };
      const shown = this.horizonChecks?.get(bound)?.fail.shown;
      if (shown !== undefined && (!seq.horizonInterval || !Number.isFinite(shown))) return { bound, limit, failAt, estimate, decision };
      const [lower, upper] = shown !== undefined ? seq.horizonInterval!(shown) : seq.interval(alpha);
      return { bound, limit, failAt, estimate, lower, upper, decision };
    });
  }

  /** The metric's state: any check failed -> fail; every check passed (and the last reading is no error) -> pass. */
  state(): MetricState {
    const d = this.decisions();
    if (d.some((c) => c.decision === 'fail')) return 'fail';
    if (d.length && d.every((c) => c.decision === 'pass') && this.lastStatus !== 'error') return 'pass';
    return 'watching';
  }

  /** Dispersion factors in use (1 = no extra noise found), for the report. */
  dispersion(): number | undefined {
    const d = [this.seq.relative, this.seq.absolute].map((s) => (s as { dispersion?: number } | undefined)?.dispersion).filter((x): x is number => x !== undefined);
    return d.length ? Math.max(...d) : undefined;
  }
}

/** Whether an estimate lies beyond the check's limit, on its bad side. */
function beyondLimit({ limit, bad }: Check, estimate: number | undefined): boolean {
  return estimate !== undefined && (bad === 'above' ? estimate > limit : estimate < limit);
}

/** An anytime-valid check: fail as in `look`, pass when the sequence lies wholly on the good side of the limit. */
function decide(b: Bound, seq: ConfidenceSequence | undefined): CheckDecision {
  const { limit, failAt, bad, alpha } = b;
  if (!seq || seq.intervals === 0) return 'undecided';
  if (beyondLimit(b, seq.estimate()) && seq.side(failAt, alpha) === bad) return 'fail';
  const side = seq.side(limit, alpha);
  return side !== 'spans' && side !== bad ? 'pass' : 'undecided';
}

/** Which side of the tested value a score lies on at boundary `c`. */
function sideAt(score: HorizonScore | undefined, c: number): 'above' | 'below' | 'spans' {
  if (!score || !Number.isFinite(c)) return 'spans';
  return score.above >= c ? 'above' : score.below <= -c ? 'below' : 'spans';
}

/** A group-sequential check at the latest look: fail when the bad side's test rejected, pass once the other did. */
function decideAtLook(h: HorizonCheck): CheckDecision {
  return h.failing ? 'fail' : h.passed ? 'pass' : 'undecided';
}
