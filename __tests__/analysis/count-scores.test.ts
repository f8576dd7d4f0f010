import { describe, expect, it } from '@jest/globals';
import { GroupedPearson, MIN_EXPECTED } from '../../shared/analysis/sequences/count-dispersion.js';
import { dispersion } from '../../shared/analysis/sequences/math.js';
import { normalUpper } from '../../shared/analysis/sequences/normal.js';
import { ProportionSequence } from '../../shared/analysis/sequences/proportion.js';
import { RateRatioSequence } from '../../shared/analysis/sequences/rate-ratio.js';
import { DEFAULT_TUNING } from '../../shared/analysis/sequences/sequence.js';
import { addTrials } from './support/binomial.js';

/** P(X = k) for every k of a sum of independent Binomial(n_i, p_i) (trial by trial: exact but for rounding). */
const binomialSum = (parts: [number, number][]): number[] => parts.reduce((dist, [n, p]) => addTrials(dist, n, p), [1]);
const upper = (dist: number[], x: number) => dist.slice(x).reduce((a, b) => a + b, 0);
const lower = (dist: number[], x: number) => dist.slice(0, x + 1).reduce((a, b) => a + b, 0);

/** Every tail checked must be within this share of the exact one (the signed root with half an event was up to 15% off). */
const TOLERANCE = 0.03;
/** At the ends of the support (no event, or all requests) the approximation is coarser: within 6% measured. */
const AT_THE_ENDS = 0.07;

describe('the horizon scores of counts', () => {
  it('are the normal deviates of the exact binomial tails of a proportion, few requests or many, either side', () => {
    let checked = 0;
    for (const [n, p0] of [[5, 0.11], [20, 0.3], [54, 0.1135], [450, 0.02], [2000, 0.01]] as const) {
      const exact = binomialSum([[n, p0]]);
      for (let x = 0; x <= n; x++) {
        const seq = new ProportionSequence();
        seq.add(x, n);
        const score = seq.score(p0)!;
        // Where a decision can be taken: a tail under 10% (|z| > 1.28) and not beyond 1e-6.
        const above = upper(exact, x);
        if (above <= 0.1 && above >= 1e-6) {
          expect(Math.abs(normalUpper(score.above) / above - 1)).toBeLessThan(x === n ? AT_THE_ENDS : TOLERANCE);
          checked++;
        }
        const below = lower(exact, x);
        if (below <= 0.1 && below >= 1e-6) {
          expect(Math.abs((1 - normalUpper(score.below)) / below - 1)).toBeLessThan(x === 0 ? AT_THE_ENDS : TOLERANCE);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('are the normal deviates of the exact conditional tails of a rate ratio, over one interval or many', () => {
    const ratio = 1.5 ** 0.35;
    // Errors of a canary at 15 requests a minute and its control at 135 (the low-traffic bench), written out: 30 minutes.
    const canary = [0, 1, 0, 0, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 1];
    const control = [1, 2, 0, 1, 1, 3, 1, 0, 2, 1, 1, 0, 2, 1, 3, 1, 0, 1, 2, 1, 0, 2, 1, 1, 0, 1, 2, 1, 1, 0];
    const requests = (i: number): [number, number] => [15 + (i % 4), 135 - (i % 7)];
    let checked = 0;
    for (let upto = 1; upto <= canary.length; upto++) {
      // No dispersion here (prior of 1e12 pseudo-residuals): the exact tails are those of binomial counts.
      const seq = new RateRatioSequence([1.5, ratio], { ...DEFAULT_TUNING, dispersionPrior: 1e12 });
      const parts: [number, number][] = [];
      let x = 0;
      for (let i = 0; i < upto; i++) {
        const [nc, ns] = requests(i);
        seq.add(canary[i], nc, control[i], ns);
        const k = canary[i] + control[i];
        if (k > 0) parts.push([k, (ratio * nc) / (ratio * nc + ns)]);
        x += canary[i];
      }
      const exact = binomialSum(parts);
      const score = seq.score(ratio);
      if (!score) continue;
      for (const [tail, z] of [[upper(exact, x), score.above], [lower(exact, x), -score.below]] as const) {
        if (tail > 0.1 || tail < 1e-6) continue;
        expect(Math.abs(normalUpper(z) / tail - 1)).toBeLessThan(TOLERANCE);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('the dispersion of counts', () => {
  const term = (events: number, deviation: number) => ({ deviation, variance: events * 0.99, events, nonEvents: 100 * events });

  it('gives one residual per interval where each interval expects enough events, as quasi-likelihood does', () => {
    const g = new GroupedPearson<[number, number]>(([e, d]) => term(e, d));
    const items: [number, number][] = [[6, 2], [8, -3], [5, 1], [7, 0.5]];
    for (const it of items) g.add(it);
    expect(g.groups).toBe(4);
    expect(g.total).toBeCloseTo(items.reduce((s, [e, d]) => s + d ** 2 / (e * 0.99), 0), 12);
  });

  it('pools intervals until a group expects MIN_EXPECTED events, the intervals after the last full group joining it', () => {
    const g = new GroupedPearson<[number, number]>(([e, d]) => term(e, d));
    // 2 expected events an interval: groups of 3 (6 >= 5); 8 intervals are 2 full groups and 2 intervals that join the 2nd.
    const deviations = [1, -1, 2, 0.5, -0.5, 1, 1, -2];
    for (const d of deviations) g.add([2, d]);
    expect(MIN_EXPECTED).toBe(5);
    expect(g.groups).toBe(2);
    const residual = (ds: number[]) => ds.reduce((a, b) => a + b, 0) ** 2 / (ds.length * 2 * 0.99);
    expect(g.total).toBeCloseTo(residual(deviations.slice(0, 3)) + residual(deviations.slice(3)), 12);
  });

  it('stays 1 when the counts are too few to show extra noise: 30 minutes of a canary at 15 requests a minute with a burst of errors', () => {
    const seq = new ProportionSequence();
    const errors = [0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (const x of errors) seq.add(x, 15);
    // 4 errors in 450 requests: the whole step expects under MIN_EXPECTED events, so it is one group (the single
    // minutes' residuals would have put the dispersion at about 2.1).
    expect(seq.dispersion).toBe(1);
    const perMinute = errors.reduce((s, x) => s + (x - 15 * (4 / 450)) ** 2 / (15 * (4 / 450) * (1 - 4 / 450)), 0);
    expect(dispersion(perMinute, errors.length, DEFAULT_TUNING.dispersionPrior)).toBeGreaterThan(2);
  });

  it('still finds extra noise where the groups show it: error counts that swing between minutes far beyond binomial noise', () => {
    const seq = new ProportionSequence();
    // 1,000 requests a minute, errors alternating 2 and 38 (binomial noise around 20 is about 4.4).
    for (let i = 0; i < 20; i++) seq.add(i % 2 ? 38 : 2, 1000);
    expect(seq.dispersion).toBeGreaterThan(10);
  });
});
