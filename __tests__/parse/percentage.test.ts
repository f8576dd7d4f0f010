import { describe, expect, it } from '@jest/globals';
import { parsePercentage } from '../../shared/parse/percentage.js';

describe('parsePercentage', () => {
  it.each([['10', 10], ['10%', 10], ['12.5%', 12.5], ['0', 0], ['100', 100]])('reads %p as %p', (raw, n) =>
    expect(parsePercentage(raw, 'weight')).toBe(n),
  );

  it.each(['NaN', '-5', '150', 'ten', '', '10%%', '1e1'])('refuses %p naming the input', (raw) => {
    expect(() => parsePercentage(raw, 'weight')).toThrow(/^Invalid `weight`: '.*'\. Expected a percentage/);
  });

  it('refuses 0 and 100 when the bounds exclude them', () => {
    const bounds = { allowZero: false, allowHundred: false };
    expect(() => parsePercentage('0', 'weight', bounds)).toThrow('Expected a percentage greater than 0 and less than 100');
    expect(() => parsePercentage('100', 'weight', bounds)).toThrow('Expected a percentage greater than 0 and less than 100');
    expect(parsePercentage('99.5', 'weight', bounds)).toBe(99.5);
  });

  it('accepts increases above 100% only when asked to', () => {
    expect(parsePercentage('150%', 'max-increase', { allowAboveHundred: true })).toBe(150);
    expect(() => parsePercentage('150%', 'max-increase')).toThrow('Invalid `max-increase`');
  });
});
