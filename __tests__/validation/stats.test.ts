import { describe, expect, it } from '@jest/globals';
import { binomialCdf, clopperPearson, normalQuantile, wilson } from '../../shared/validation/stats/binomial.js';
import { mcnemarWorsePValue, pairedDifferenceInterval } from '../../shared/validation/stats/paired.js';
import { chiSquareTest, jensenShannon, ksTest, wassersteinNormed, zTest } from '../../shared/validation/stats/drift-tests.js';
import { quantile, record, mergeInto, type LatencyHistogram } from '../../shared/validation/stats/histogram.js';

// Reference values from scipy / statsmodels (proportion_confint, binomtest, ks_2samp, chisquare).
describe('pass-rate intervals', () => {
  it('matches the normal quantile at 95% and 99%', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    // Tails and the middle (scipy.stats.norm.ppf), and the edges.
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424, 5);
    expect(normalQuantile(0.3)).toBeCloseTo(-0.524401, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
  it('gives Wilson bounds as statsmodels does', () => {
    const w = wilson(8, 10, 0.95);
    expect(w.lower).toBeCloseTo(0.4902, 3);
    expect(w.upper).toBeCloseTo(0.9433, 3);
  });
  it('gives Clopper-Pearson bounds as statsmodels beta method does', () => {
    const cp = clopperPearson(5, 10, 0.95);
    expect(cp.lower).toBeCloseTo(0.1871, 3);
    expect(cp.upper).toBeCloseTo(0.8129, 3);
    expect(clopperPearson(10, 10, 0.95)).toEqual({ lower: expect.closeTo(0.6915, 3), upper: 1 });
    expect(clopperPearson(0, 10, 0.95).lower).toBe(0);
  });
  it('is wider for 20 passing cases than for 2,000, so small suites cannot pass a high bar', () => {
    expect(wilson(20, 20, 0.95).lower).toBeLessThan(0.9);
    expect(wilson(2000, 2000, 0.95).lower).toBeGreaterThan(0.99);
  });
  it('computes binomial tails exactly', () => {
    expect(binomialCdf(3, 10, 0.5)).toBeCloseTo(0.171875, 6);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
  });
});

describe('paired comparison', () => {
  it('gives the exact one-sided McNemar p-value', () => {
    // 8 regressions, 1 improvement: P(X >= 8 | n = 9, 1/2) = 10/512.
    expect(mcnemarWorsePValue({ bothPass: 80, regressed: 8, improved: 1, bothFail: 11 })).toBeCloseTo(10 / 512, 6);
    expect(mcnemarWorsePValue({ bothPass: 10, regressed: 0, improved: 0, bothFail: 0 })).toBe(1);
  });
  it('gives Newcombe intervals that contain the estimate and widen with fewer cases', () => {
    const big = pairedDifferenceInterval({ bothPass: 800, regressed: 40, improved: 10, bothFail: 150 }, 0.95);
    expect(big.estimate).toBeCloseTo(-0.03, 6);
    expect(big.lower).toBeLessThan(-0.03);
    expect(big.upper).toBeGreaterThan(-0.03);
    expect(big.upper).toBeLessThan(0);
    const small = pairedDifferenceInterval({ bothPass: 80, regressed: 4, improved: 1, bothFail: 15 }, 0.95);
    expect(small.upper - small.lower).toBeGreaterThan(big.upper - big.lower);
    // Newcombe (1998) example: a=12, b=2, c=... the interval stays inside [-1, 1].
    const edge = pairedDifferenceInterval({ bothPass: 0, regressed: 5, improved: 0, bothFail: 0 }, 0.95);
    expect(edge.lower).toBeGreaterThanOrEqual(-1);
  });
});

describe('drift tests', () => {
  const seq = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  it('KS finds no drift between identical samples and drift between shifted ones', () => {
    const a = seq(200, (i) => i);
    expect(ksTest(a, a).drifted).toBe(false);
    const shifted = ksTest(a, seq(200, (i) => i + 60));
    expect(shifted.drifted).toBe(true);
    // scipy.stats.ks_2samp(range(200), range(60, 260)) statistic 0.3 -> p ~ 1.1e-8 (asymptotic)
    expect(shifted.score).toBeLessThan(1e-6);
  });
  it('chi-square p-value matches scipy for a known table', () => {
    // reference shares 1/3 each, current counts 20/30/50: statistic 14 on 2 degrees of freedom, p = exp(-7)
    const r = chiSquareTest(new Map([['a', 10], ['b', 10], ['c', 10]]), new Map([['a', 20], ['b', 30], ['c', 50]]));
    expect(r.score).toBeCloseTo(Math.exp(-7), 9);
    expect(r.drifted).toBe(true);
  });
  it('z-test reports the two-sided p-value of the pooled two-proportion test (erfc(z / sqrt 2), as scipy)', () => {
    expect(zTest(new Map([['yes', 500], ['no', 500]]), new Map([['yes', 560], ['no', 440]])).score).toBeCloseTo(0.00718545875813236, 14);
    expect(zTest(new Map([['yes', 50], ['no', 50]]), new Map([['yes', 52], ['no', 48]])).score).toBeCloseTo(0.7772540327312343, 14);
  });

  it('z-test treats an unchanged binary share as no drift', () => {
    expect(zTest(new Map([['yes', 50], ['no', 50]]), new Map([['yes', 52], ['no', 48]])).drifted).toBe(false);
    expect(zTest(new Map([['yes', 50], ['no', 50]]), new Map([['yes', 90], ['no', 10]])).drifted).toBe(true);
  });
  it('normed Wasserstein equals the shift divided by the reference std', () => {
    const a = seq(2000, (i) => i % 100);
    const shifted = seq(2000, (i) => (i % 100) + 10);
    const std = Math.sqrt((100 * 100 - 1) / 12);
    expect(wassersteinNormed(a, shifted).score).toBeCloseTo(10 / std, 6);
    expect(wassersteinNormed(a, a).score).toBe(0);
  });
  it('Jensen-Shannon distance is 0 for equal shares and large for disjoint ones', () => {
    const m = new Map([['a', 5], ['b', 5]]);
    expect(jensenShannon(m, m).score).toBeCloseTo(0, 9);
    expect(jensenShannon(new Map([['a', 10]]), new Map([['b', 10]])).score).toBeGreaterThan(0.8);
  });
});

describe('latency histogram', () => {
  it('reads percentiles within 2% and merges shards exactly', () => {
    const a: LatencyHistogram = {};
    const b: LatencyHistogram = {};
    for (let i = 1; i <= 100; i++) record(i % 2 ? a : b, i * 10);
    const all: LatencyHistogram = {};
    mergeInto(all, a);
    mergeInto(all, b);
    expect(quantile(all, 0.5)! / 500).toBeGreaterThan(0.98);
    expect(quantile(all, 0.5)! / 500).toBeLessThan(1.02);
    expect(quantile(all, 0.95)! / 950).toBeLessThan(1.02);
    expect(quantile({}, 0.5)).toBeUndefined();
  });
});
