import type { MetricEvidence } from './metric-evidence.js';
import { formatCheck, formatLevel, formatRatio } from './format.js';

function levels(m: MetricEvidence): string {
  const { canary, control } = m.levels();
  return control === undefined ? `canary ${formatLevel(m.spec, canary)}` : `canary ${formatLevel(m.spec, canary)} vs control ${formatLevel(m.spec, control)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `error-rate: canary 4.1% vs control 1%; ratio ×4.1 [×2.7, ×6.1] vs allowed ×1.5: above it, and the interval
 * wholly above ×1.22, after 3 intervals`; for an absolute bound, `...vs max 5%: wholly above it after 3 intervals`.
 */
export function failReason(m: MetricEvidence, n: number): string {
  const failed = m.checks().find((c) => c.decision === 'fail')!;
  const side = failed.bound === 'min' || (failed.bound === 'max-increase' && m.spec.direction === 'higher-is-better') ? 'below' : 'above';
  const after = `after ${plural(n, 'interval')}`;
  const verdict = failed.failAt === failed.limit ? `wholly ${side} it ${after}` : `${side} it, and the interval wholly ${side} ${formatRatio(failed.failAt)}, ${after}`;
  return `${m.spec.name}: ${levels(m)}; ${formatCheck(m.spec, failed)}: ${verdict}`;
}

export function passReason(required: MetricEvidence[], n: number): string {
  const parts = required.map((m) => `${m.spec.name} ${m.checks().map((c) => formatCheck(m.spec, c)).join(', ')}`);
  return `every metric within its bounds after ${plural(n, 'interval')}: ${parts.join('; ')}`;
}

function missingText(m: MetricEvidence): string {
  const c = m.counts;
  return [c.empty && `${c.empty} empty`, c['no-traffic'] && `${c['no-traffic']} without traffic`, c.error && `${c.error} with provider errors`].filter(Boolean).join(', ');
}

function noEvidenceReason(m: MetricEvidence, n: number): string {
  const missing = missingText(m);
  return `${m.spec.name}: no evidence after ${plural(n, 'interval')}${missing ? ` (${missing})` : ''}`;
}

/** Names the first critical metric that keeps the analysis from passing, and why. */
export function inconclusiveReason(metrics: MetricEvidence[], n: number): string {
  const holding = metrics.find((m) => m.critical && m.state() !== 'pass' && !(m.policy === 'ignore' && m.withData === 0));
  if (!holding) return `no metric with data after ${plural(n, 'interval')}`;
  const missing = missingText(holding);
  const undecided = holding.checks().filter((x) => x.decision !== 'pass');
  const evidence = undecided.some((x) => x.estimate !== undefined);
  if (!evidence) return noEvidenceReason(holding, n);
  const what = undecided.map((x) => formatCheck(holding.spec, x)).join(', ');
  return `${holding.spec.name}: not enough evidence after ${plural(n, 'interval')}: ${levels(holding)}; ${what}${missing ? ` (${missing})` : ''}`;
}

function evidenceText(m: MetricEvidence, horizon: number): string {
  const e = m.stepEvidence(horizon);
  const parts = [`data in ${e.dataIntervals}/${horizon} intervals`];
  if (e.canaryRequests !== undefined) parts.push(`${e.canaryRequests} canary requests`);
  if (e.controlRequests !== undefined) parts.push(`${e.controlRequests} control requests`);
  return `${m.spec.name} ${parts.join(', ')}`;
}

/** A step that reached its horizon with no fail and enough evidence on every required metric. */
export function endOfStepPassReason(required: MetricEvidence[], n: number, horizon: number): string {
  return `no regression detected over ${plural(n, 'interval')}; evidence: ${required.map((m) => evidenceText(m, horizon)).join('; ')}`;
}

/** A step that reached its horizon with no fail but too little evidence on `m` to call it healthy. */
export function endOfStepInconclusiveReason(m: MetricEvidence, n: number, horizon: number): string {
  if (m.counts.ok === 0) return noEvidenceReason(m, n);
  return `${m.spec.name}: no regression detected over ${plural(n, 'interval')} but too little evidence to pass: ${m.stepEvidence(horizon).lacking.join(', ')}`;
}
