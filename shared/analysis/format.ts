import type { MetricSpec } from './metric-spec.js';
import type { CheckEvidence } from './metric-evidence.js';

/** Numbers as people read them: 3 significant digits, no exponent for everyday magnitudes. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return String(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** A metric's level: a rate as a percentage, a value as a number. */
export function formatLevel(spec: MetricSpec, x: number | undefined): string {
  if (x === undefined) return 'n/a';
  return spec.kind === 'ratio' ? `${formatNumber(x * 100)}%` : formatNumber(x);
}

export function formatRatio(x: number): string {
  return `×${formatNumber(x)}`;
}

/** One check: `ratio ×1.9 [×1.4, ×2.6] vs allowed ×1.5` or `canary 7.9% [6.1%, 10%] vs max 5%`. */
export function formatCheck(spec: MetricSpec, c: CheckEvidence): string {
  const isRatio = c.bound === 'max-increase';
  const f = (x: number) => (isRatio ? formatRatio(x) : formatLevel(spec, x));
  const limit = isRatio ? `allowed ${formatRatio(c.limit)}` : `${c.bound} ${formatLevel(spec, c.limit)}`;
  if (c.estimate === undefined) return `${isRatio ? 'ratio' : 'canary'} n/a vs ${limit}`;
  const ci = c.lower !== undefined && c.upper !== undefined ? ` [${f(c.lower)}, ${f(c.upper)}]` : '';
  return `${isRatio ? 'ratio' : 'canary'} ${f(c.estimate)}${ci} vs ${limit}`;
}

/** A relative difference in percent, `+34%`. */
export function formatDifference(ratio: number): string {
  if (!Number.isFinite(ratio)) return '+∞%';
  const d = (ratio - 1) * 100;
  return `${d >= 0 ? '+' : ''}${formatNumber(d)}%`;
}
