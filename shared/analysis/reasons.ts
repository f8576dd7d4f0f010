import type { MetricEvidence } from './metric-evidence.js';
import { formatCheck, formatLevel } from './format.js';

function levels(m: MetricEvidence): string {
  const { canary, control } = m.levels();
  return control === undefined ? `canary ${formatLevel(m.spec, canary)}` : `canary ${formatLevel(m.spec, canary)} vs control ${formatLevel(m.spec, control)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `error-rate: canary 4.1% vs control 1%, ratio ×4.1 [×2.7, ×6.1] vs allowed ×1.5: above it after 3 intervals` */
export function failReason(m: MetricEvidence, n: number): string {
  const failed = m.checks().find((c) => c.decision === 'fail')!;
  const side = failed.bound === 'min' || (failed.bound === 'max-increase' && m.spec.direction === 'higher-is-better') ? 'below' : 'above';
  return `${m.spec.name}: ${levels(m)}; ${formatCheck(m.spec, failed)}: wholly ${side} it after ${plural(n, 'interval')}`;
}

export function passReason(required: MetricEvidence[], n: number): string {
  const parts = required.map((m) => `${m.spec.name} ${m.checks().map((c) => formatCheck(m.spec, c)).join(', ')}`);
  return `every metric within its bounds after ${plural(n, 'interval')}: ${parts.join('; ')}`;
}

/** Names the first critical metric that keeps the analysis from passing, and why. */
export function inconclusiveReason(metrics: MetricEvidence[], n: number): string {
  const holding = metrics.find((m) => m.critical && m.state() !== 'pass' && !(m.policy === 'ignore' && m.withData === 0));
  if (!holding) return `no metric with data after ${plural(n, 'interval')}`;
  const c = holding.counts;
  const missing = [c.empty && `${c.empty} empty`, c['no-traffic'] && `${c['no-traffic']} without traffic`, c.error && `${c.error} with provider errors`].filter(Boolean).join(', ');
  const undecided = holding.checks().filter((x) => x.decision !== 'pass');
  const evidence = undecided.some((x) => x.estimate !== undefined);
  if (!evidence) return `${holding.spec.name}: no evidence after ${plural(n, 'interval')}${missing ? ` (${missing})` : ''}`;
  const what = undecided.map((x) => formatCheck(holding.spec, x)).join(', ');
  return `${holding.spec.name}: not enough evidence after ${plural(n, 'interval')}: ${levels(holding)}; ${what}${missing ? ` (${missing})` : ''}`;
}
