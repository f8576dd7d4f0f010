import { describe, expect, it } from '@jest/globals';
import { parseInteger, parseNumber } from '../../shared/parse/number.js';

describe('parseNumber', () => {
  it('reads finite numbers within bounds', () => {
    expect(parseNumber('3', 'repeats', { min: 1 })).toBe(3);
    expect(parseNumber(' 0.25 ', 'threshold', { min: 0, max: 1 })).toBe(0.25);
  });

  it.each(['NaN', 'Infinity', '12abc', '', '0x', '1e400'])('refuses %p', (raw) => {
    expect(() => parseNumber(raw, 'repeats')).toThrow(/Invalid `repeats`: .*Expected a number/);
  });

  it('names the bounds it enforces', () => {
    expect(() => parseNumber('150', 'weight', { min: 0, max: 100, minExclusive: true, maxExclusive: true })).toThrow(
      "Invalid `weight`: '150'. Expected a number greater than 0 and less than 100.",
    );
    expect(() => parseInteger('2.5', 'repeats', { min: 1 })).toThrow("Invalid `repeats`: '2.5'. Expected an integer at least 1.");
  });
});
