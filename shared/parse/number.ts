import { invalidInput } from '../errors.js';

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive bounds, for values like a weight that must be strictly between 0 and 100. */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

function describe(bounds: NumberBounds): string {
  const kind = bounds.integer ? 'an integer' : 'a number';
  const lo = bounds.min === undefined ? '' : `${bounds.minExclusive ? 'greater than' : 'at least'} ${bounds.min}`;
  const hi = bounds.max === undefined ? '' : `${bounds.maxExclusive ? 'less than' : 'at most'} ${bounds.max}`;
  return [kind, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

/** A finite number within bounds; `NaN`, `Infinity`, `12abc` and empty strings are refused. */
export function parseNumber(value: string, input = 'value', bounds: NumberBounds = {}): number {
  const v = value.trim();
  const n = v === '' ? NaN : Number(v);
  const ok =
    Number.isFinite(n) &&
    (!bounds.integer || Number.isInteger(n)) &&
    (bounds.min === undefined || (bounds.minExclusive ? n > bounds.min : n >= bounds.min)) &&
    (bounds.max === undefined || (bounds.maxExclusive ? n < bounds.max : n <= bounds.max));
  if (!ok) throw invalidInput(input, value, describe(bounds));
  return n;
}

export function parseInteger(value: string, input = 'value', bounds: Omit<NumberBounds, 'integer'> = {}): number {
  return parseNumber(value, input, { ...bounds, integer: true });
}
