import { invalidInput } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Parses `90s`, `5m`, `1h30m`, `250ms` into milliseconds. A bare number is refused: the unit is
 * what tells a reader whether `30` meant seconds or minutes. Zero and negative durations are refused.
 */
export function parseDuration(value: string, input = 'value'): number {
  const v = value.trim();
  const expected = 'a positive duration such as `30s`, `5m`, `1h` or `1h30m`';
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(v)) throw invalidInput(input, value, expected);
  let ms = 0;
  for (const [, amount, unit] of v.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  if (!Number.isFinite(ms) || ms <= 0) throw invalidInput(input, value, expected);
  return Math.round(ms);
}

/** Renders milliseconds the way users write them (`90s` -> `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
