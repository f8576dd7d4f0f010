import { describe, expect, it } from '@jest/globals';
import { orderStatistics } from '../../shared/analysis/order-statistics.js';
import { logStatWithVariance, statOf } from '../../shared/analysis/sample-stats.js';
import { uniforms } from './support/random.js';

const sorted = (values: number[]) => Float64Array.from(values).sort();

/** Seeded samples: distinct values, or few distinct values (ties everywhere), or already in order. */
function samples(seed: number, n: number, kind: 'random' | 'tied' | 'ascending' | 'descending'): number[] {
  const u = uniforms(seed);
  const values = Array.from({ length: n }, () => (kind === 'tied' ? Math.floor(u() * 4) : Math.round(u() * 1e6) / 10));
  if (kind === 'ascending') values.sort((a, b) => a - b);
  if (kind === 'descending') values.sort((a, b) => b - a);
  return values;
}

/** The interpolated quantile read from a full sort, as the statistics were computed before the selection. */
function quantileFromSort(values: number[], p: number): number {
  const s = sorted(values);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}

describe('order statistics without a full sort', () => {
  for (const kind of ['random', 'tied', 'ascending', 'descending'] as const) {
    it(`gives the ranks a full sort gives, for every range of ${kind} values (n from 1 to 40, and 200)`, () => {
      let seed = 1;
      for (const n of [1, 2, 3, 5, 20, 21, 40, 200]) {
        const values = samples(seed++, n, kind);
        const copy = values.slice();
        const full = sorted(values);
        for (let from = 0; from < n; from += n > 40 ? 7 : 1) {
          for (let to = from; to < n; to += n > 40 ? 5 : 1) {
            expect(orderStatistics(values, from, to)).toEqual(Array.from(full.subarray(from, to + 1)));
          }
        }
        expect(values).toEqual(copy);
      }
    });
  }

  it('gets through values that are all the same, or all but one (ties cannot make the search quadratic)', () => {
    const same = new Array<number>(100_000).fill(7);
    expect(orderStatistics(same, 94_990, 95_010)).toEqual(new Array(21).fill(7));
    const oneOff = same.map((x, i) => (i === 500 ? 8 : x));
    expect(orderStatistics(oneOff, 99_990, 99_999)).toEqual([...new Array(9).fill(7), 8]);
  });

  it('refuses ranks outside the values', () => {
    expect(() => orderStatistics([1, 2, 3], 2, 3)).toThrow(RangeError);
    expect(() => orderStatistics([1, 2, 3], 2, 1)).toThrow(RangeError);
  });

  it('gives the same percentile and variance as a full sort, at 20 samples and more, for p near 0, 1 and between', () => {
    let seed = 100;
    for (const n of [2, 19, 20, 21, 50, 200, 1000]) {
      for (const kind of ['random', 'tied'] as const) {
        for (const stat of ['p0.1', 'p1', 'p5', 'p50', 'p95', 'p99', 'p99.9']) {
          const values = samples(seed++, n, kind);
          const p = Number(stat.slice(1)) / 100;
          expect(statOf(values, stat)).toBe(quantileFromSort(values, p));
          const got = logStatWithVariance(values.slice(), stat);
          if (n < 20) expect(got).toBeUndefined();
          const spread = Math.sqrt((p * (1 - p)) / n);
          const [q, lo, hi] = [p, Math.max(0, p - spread), Math.min(1, p + spread)].map((x) => quantileFromSort(values, x));
          if (!(q > 0 && lo > 0) || n < 20) continue;
          const se = Math.max((Math.log(hi) - Math.log(lo)) / 2, 0.005);
          expect(got).toEqual({ log: Math.log(q), variance: se * se });
        }
      }
    }
  });
});
