import { markdownTable, mermaidLineChart } from '../action/summary.js';
import { formatDuration } from '../parse/duration.js';
import { formatCheck, formatLevel } from './format.js';
import type { MetricSpec } from './metric-spec.js';
import type { MetricReport } from './report.js';
import type { WatchResult } from './watch.js';

const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️' } as const;
const CHART_POINTS = 60;

export interface WatchedPair {
  /** e.g. `image r.example/model:2 ({{target}}=2.0.0)` */
  released: string;
  previous: string;
}

function counts(m: MetricReport): string {
  const c = m.counts;
  const parts = [`${c.ok} with data`, c.empty && `${c.empty} empty`, c['no-traffic'] && `${c['no-traffic']} without traffic`, c.error && `${c.error} provider errors`];
  return parts.filter(Boolean).join(', ');
}

/** The previous version's level for a metric that does not compare with it (no `max-increase`): shown, not judged. */
function meanOf(values: (number | null)[]): number | undefined {
  const seen = values.filter((v): v is number => v !== null);
  return seen.length ? seen.reduce((a, b) => a + b, 0) / seen.length : undefined;
}

function chart(spec: MetricSpec, m: MetricReport): string {
  const points = m.series.slice(-CHART_POINTS);
  const first = m.series.length - points.length;
  const scale = spec.kind === 'ratio' ? 100 : 1;
  const values = (side: 'canary' | 'control') => points.map((p) => (p[side] === null ? NaN : p[side]! * scale));
  return mermaidLineChart(`${spec.name}${spec.kind === 'ratio' ? ' (%)' : ''}: released vs previous per interval`, points.map((_, i) => first + i + 1), [
    { name: 'released', values: values('canary') },
    { name: 'previous', values: values('control') },
  ]);
}

/** The job summary of a watch after a release: verdict, what was compared, a table and a chart per metric. */
export function renderWatchSummary(result: WatchResult, specs: readonly MetricSpec[], pair: WatchedPair, plan: { intervalMs: number; planned: number }): string {
  const parts = [
    `## Watch after release: ${ICON[result.verdict]} ${result.verdict}`,
    '',
    result.reason,
    '',
    `Judged ${pair.released} against the previous version ${pair.previous}: ${result.intervals} of ${plan.planned} interval(s) of ${formatDuration(plan.intervalMs)}.`,
  ];
  if (result.noData) {
    parts.push('', '**No data**: no metric returned a value for the released version in any interval. This is not evidence that the release is healthy; check the queries and `target-names`.');
  }
  const rows = result.report.metrics.map((m) => {
    const spec = specs.find((s) => s.name === m.name)!;
    return [m.name, formatLevel(spec, m.canary), formatLevel(spec, m.control ?? meanOf(m.series.map((p) => p.control))), m.checks.map((c) => formatCheck(spec, c)).join('; '), m.state === 'watching' && result.verdict === 'pass' ? 'no fail' : m.state, counts(m)];
  });
  parts.push('', markdownTable(['metric', 'released', 'previous', 'checks', 'state', 'intervals'], rows));
  for (const m of result.report.metrics) {
    if (m.series.length) parts.push('', chart(specs.find((s) => s.name === m.name)!, m));
  }
  return `${parts.join('\n')}\n`;
}
