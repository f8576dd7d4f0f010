import type { Assessment, Verdict } from './assessment.js';
import type { MetricKind, MissingDataPolicy } from './metric-spec.js';
import type { CheckEvidence, IntervalCounts, MetricState } from './metric-evidence.js';
import { formatCheck, formatLevel } from './format.js';

export interface MetricReport {
  name: string;
  kind: MetricKind;
  critical: boolean;
  /** Judged and shown, never deciding the verdict (`dry-run: true`). */
  dryRun: boolean;
  state: MetricState;
  onMissingData: MissingDataPolicy;
  /** Pooled rate (ratio metrics) or mean of the interval values (value metrics), over the intervals judged. */
  canary?: number;
  control?: number;
  checks: CheckEvidence[];
  counts: IntervalCounts;
  /** Variance inflation found beyond counting noise (1 = none). */
  dispersion?: number;
  lastError?: string;
  /** Per interval point values, for the chart (null: no value that interval). */
  series: { t: number; canary: number | null; control: number | null }[];
}

export interface AnalysisReport {
  verdict: Verdict;
  decided: boolean;
  reason: string;
  intervals: number;
  /** The interval at which the verdict was reached (absent while undecided). */
  decidedAfter?: number;
  falseAlarmRate: number;
  metrics: MetricReport[];
}

export function buildReport(a: Assessment): AnalysisReport {
  const d = a.current;
  return {
    verdict: d.verdict,
    decided: d.decided,
    reason: d.reason,
    intervals: a.intervals,
    ...(d.decided ? { decidedAfter: d.intervals } : {}),
    falseAlarmRate: a.falseAlarmRate,
    metrics: a.metrics.map((m) => {
      const { canary, control } = m.levels();
      const dispersion = m.dispersion();
      return {
        name: m.spec.name,
        kind: m.spec.kind,
        critical: m.critical,
        dryRun: m.spec.dryRun === true,
        state: m.state(),
        onMissingData: m.policy,
        ...(canary !== undefined ? { canary } : {}),
        ...(control !== undefined ? { control } : {}),
        checks: m.checks(),
        counts: { ...m.counts },
        ...(dispersion !== undefined ? { dispersion } : {}),
        ...(m.lastError ? { lastError: m.lastError } : {}),
        series: m.series.slice(),
      };
    }),
  };
}

/**
 * The heartbeat log line for one interval:
 * `interval 5 weight 10%: error-rate 1.1% vs 1% (ratio ×1.1 [×0.5, ×2.3] vs allowed ×1.5) watching | ... -> watching`
 */
export function heartbeat(a: Assessment, weight?: number): string {
  const parts = a.metrics.map((m) => {
    const { canary, control } = m.levels();
    const checks = m.checks().map((c) => formatCheck(m.spec, c)).join(', ');
    const last = m.lastStatus && m.lastStatus !== 'ok' ? ` [last: ${m.lastStatus}]` : '';
    return `${m.spec.name}${m.spec.dryRun ? ' (dry-run)' : ''} ${formatLevel(m.spec, canary)} vs ${formatLevel(m.spec, control)} (${checks}) ${m.state()}${last}`;
  });
  const d = a.current;
  const head = `interval ${a.intervals}${weight !== undefined ? ` weight ${weight}%` : ''}`;
  return `${head}: ${parts.join(' | ')} -> ${d.decided ? d.verdict : 'watching'}`;
}
