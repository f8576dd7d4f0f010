import { invalidInput } from '../errors.js';

export interface PercentBounds {
  /** Allow exactly 0 (default true). */
  allowZero?: boolean;
  /** Allow exactly 100 (default true). */
  allowHundred?: boolean;
  /** Allow values above 100, e.g. an allowed increase of 150% (default false). */
  allowAboveHundred?: boolean;
}

/** Parses `10`, `10%` or `12.5%` as a percentage in [0, 100]; `NaN`, negatives and out-of-range are refused. */
export function parsePercentage(value: string, input = 'value', bounds: PercentBounds = {}): number {
  const { allowZero = true, allowHundred = true, allowAboveHundred = false } = bounds;
  const v = value.trim().replace(/%$/, '').trim();
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  const lo = allowZero ? 'from 0' : 'greater than 0';
  const hi = allowAboveHundred ? '' : allowHundred ? ' to 100' : ' and less than 100';
  const expected = `a percentage ${lo}${hi} (for example \`10\` or \`10%\`)`;
  const ok =
    Number.isFinite(n) &&
    (allowZero || n > 0) &&
    (allowAboveHundred || n < 100 || (allowHundred && n === 100));
  if (!ok) throw invalidInput(input, value, expected);
  return n;
}
