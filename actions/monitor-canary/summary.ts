import { markdownTable, mermaidLineChart } from '../../shared/action/summary.js';
import { formatDifference, formatLevel, type MetricReport } from '../../shared/analysis/index.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { hooksSummary } from '../../shared/hooks/index.js';
import type { MonitorReport } from './report.js';

const ICON = { pass: '✅', fail: '❌', inconclusive: '⚠️' } as const;
const CHART_POINTS = 60;

function difference(m: MetricReport): string {
  const c = m.checks.find((x) => x.bound === 'max-increase');
  if (c?.estimate === undefined) return '–';
  const ci = c.lower !== undefined && c.upper !== undefined ? ` [${formatDifference(c.lower)}, ${formatDifference(c.upper)}]` : '';
  return `${formatDifference(c.estimate)}${ci}`;
}

function bounds(spec: MetricSpec): string {
  const parts: string[] = [];
  if (spec.maxIncrease !== undefined) parts.push(`max-increase ${spec.direction === 'higher-is-better' ? '-' : '+'}${Number((spec.maxIncrease * 100).toPrecision(3))}%`);
  if (spec.max !== undefined) parts.push(`max ${formatLevel(spec, spec.max)}`);
  if (spec.min !== undefined) parts.push(`min ${formatLevel(spec, spec.min)}`);
  return parts.join(', ');
}

/** Per metric, one row per step: canary, control, difference with its interval, bound, state. */
function metricTable(report: MonitorReport, spec: MetricSpec): string {
  const rows = report.steps.flatMap((step) => {
    const m = step.analysis.metrics.find((x) => x.name === spec.name);
    if (!m) return [];
    // A step can pass with a metric that did not decide alone (the step ended with no fail): not `watching` any more.
    const state = m.state === 'watching' && step.outcome === 'pass' ? 'no fail' : m.state;
    return [[step.weight === undefined ? 'trace' : `${step.weight}%`, step.intervals, formatLevel(spec, m.canary), formatLevel(spec, m.control), difference(m), bounds(spec), state]];
  });
  return markdownTable(['step', 'intervals', 'canary', 'control', 'difference [interval]', 'bound', 'state'], rows);
}

function chart(report: MonitorReport, spec: MetricSpec): string {
  const series = report.steps.flatMap((s) => s.analysis.metrics.find((m) => m.name === spec.name)?.series ?? []);
  const points = series.slice(-CHART_POINTS);
  const first = series.length - points.length;
  const scale = spec.kind === 'ratio' ? 100 : 1;
  const values = (side: 'canary' | 'control') => points.map((p) => (p[side] === null ? NaN : p[side]! * scale));
  return mermaidLineChart(`${spec.name}${spec.kind === 'ratio' ? ' (%)' : ''}: canary vs control per interval`, points.map((_, i) => first + i + 1), [
    { name: 'canary', values: values('canary') },
    { name: 'control', values: values('control') },
  ]);
}

/** The job summary: the verdict and its reason, then a table and a chart per metric. */
export function renderSummary(report: MonitorReport, specs: readonly MetricSpec[]): string {
  const where = report.mode === 'live' ? `; canary weight now ${report.weight}%` : ' (replay of a recorded trace)';
  const parts = [`## monitor-canary: ${ICON[report.verdict]} ${report.verdict}`, '', report.reason, '', `Decided after ${report.decidedAfter} interval(s)${where}.`];
  for (const spec of specs) {
    parts.push('', `### ${spec.name}${spec.dryRun ? ' (dry-run: judged, never decides the verdict)' : ''}`, '', metricTable(report, spec), '', chart(report, spec));
  }
  if (report.hooks) parts.push('', hooksSummary([report.hooks]));
  return parts.join('\n');
}
