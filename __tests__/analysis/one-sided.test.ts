import { describe, expect, it } from '@jest/globals';
import { halfNormal, mixtureLogE, mixtureReaches, oneSidedBounds } from '../../shared/analysis/sequences/one-sided.js';
import { OneSidedSearch } from '../../shared/analysis/sequences/one-sided-search.js';
import { normal, uniforms } from './support/random.js';

const GRID = Float64Array.from({ length: 161 }, (_, j) => -4 + j * 0.05);

/** The next double above or below x (the levels a rounding slip would get wrong). */
function nextTo(x: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 === direction > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/** Seeded log-likelihoods on the grid: concave around an estimate, sharp or flat, far from zero or near it. */
function logLikelihoods(seed: number, count: number): { ll: Float64Array; at: (theta: number) => number }[] {
  const u = uniforms(seed);
  return Array.from({ length: count }, () => {
    const estimate = 3 * normal(u);
    const information = Math.exp(8 * u() - 2);
    const offset = u() < 0.5 ? -1e5 * u() : 0;
    const at = (theta: number) => offset - 0.5 * information * (theta - estimate) ** 2;
    return { ll: GRID.map(at), at };
  });
}

describe('one-sided mixtures', () => {
  it('settle "reaches the level" as the full sum does, at levels on, next to and away from the e-value', () => {
    const u = uniforms(7);
    let settled = 0;
    for (const { ll, at } of logLikelihoods(3, 300)) {
      const theta0 = 8 * u() - 4;
      for (const side of ['above', 'below'] as const) {
        const w = halfNormal(GRID, theta0, 0.5, side);
        const ll0 = at(theta0);
        const logE = mixtureLogE(w, ll, ll0);
        const levels = Number.isFinite(logE) ? [logE, nextTo(logE, 1), nextTo(logE, -1), logE + 1, logE - 1, logE + 6, logE - 6, 4.6] : [4.6];
        for (const level of levels) {
          expect(mixtureReaches(w, ll, ll0, level)).toBe(logE >= level);
          settled++;
        }
      }
    }
    expect(settled).toBeGreaterThan(3000);
  });

  it('settle a bound of the bisection as the exact e-value does, on the grid, between its points and beyond it', () => {
    const u = uniforms(11);
    let asked = 0;
    for (const { ll, at } of logLikelihoods(5, 200)) {
      const search = new OneSidedSearch(GRID, 0.5, ll);
      const bounds = [GRID[Math.floor(u() * GRID.length)], 8 * u() - 4, 10 * u() - 5, -4, 4];
      for (const theta0 of bounds) {
        for (const side of ['above', 'below'] as const) {
          const ll0 = at(theta0);
          const logE = mixtureLogE(halfNormal(GRID, theta0, 0.5, side), ll, ll0);
          const levels = Number.isFinite(logE) ? [logE, nextTo(logE, 1), nextTo(logE, -1), logE + 1e-6, logE - 1e-6, logE + 3, logE - 3] : [4.6];
          for (const level of levels) {
            expect(search.reaches(theta0, side, ll0, level)).toBe(logE >= level);
            asked++;
          }
        }
      }
    }
    expect(asked).toBeGreaterThan(10000);
  });

  it('give the bisection the bounds the exact e-values give, to the last bit', () => {
    for (const { ll, at } of logLikelihoods(9, 200)) {
      const search = new OneSidedSearch(GRID, 0.5, ll);
      const estimate = GRID[ll.indexOf(Math.max(...ll))];
      for (const level of [Math.log(100), Math.log(1000)]) {
        const exact = oneSidedBounds((t, side) => mixtureLogE(halfNormal(GRID, t, 0.5, side), ll, at(t)) >= level, estimate, -4, 4);
        expect(oneSidedBounds((t, side) => search.reaches(t, side, at(t), level), estimate, -4, 4)).toEqual(exact);
      }
    }
  });
});
