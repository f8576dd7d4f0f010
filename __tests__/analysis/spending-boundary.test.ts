import { describe, expect, it } from '@jest/globals';
import { normalUpper, normalUpperQuantile } from '../../shared/analysis/sequences/normal.js';
import { SpendingBoundary } from '../../shared/analysis/sequences/spending.js';
import { fewestFails, LUCK, mostFails, seeded } from './support/binomial.js';
import { normal } from './support/random.js';
import { ReferenceSpendingBoundary } from './support/spending-reference.js';

// Test code only: a module-level Math (the same object), as under jest's vm every lookup of the global one costs ~0.5 µs.
const Math = globalThis.Math;

/** A seeded generator (LCG + Box-Muller), so every run sees the same settings and paths. */
function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return { u, normal };
}
type Rng = ReturnType<typeof rng>;

/** A generator seeded from this run's seed (printed), for the specs that count crossings. */
function seededRng(salt: string): Rng {
  const u = seeded(salt);
  return { u, normal: () => normal(u) };
}

interface Case {
  horizon: number;
  alpha: number;
  power: number;
  information: number[];
}

/**
 * Realistic settings: horizon 1..60, alpha 1e-4..0.2 (log-uniform), power 0.5..2, and information that grows
 * irregularly: ordinary increments, bursts, nothing at all, and increments below the 3% that makes a look
 * (those looks are skipped and their alpha carried), with a few looks past the horizon.
 */
function randomCase(r: Rng): Case {
  const horizon = 1 + Math.floor(r.u() * 60);
  const alpha = 10 ** (-4 + r.u() * Math.log10(0.2 / 1e-4));
  const power = 0.5 + 1.5 * r.u();
  const information: number[] = [];
  let info = 0;
  const scale = 10 ** (-2 + 4 * r.u()); // information is in the metric's units: anywhere from tiny to large
  for (let k = 0; k < horizon + Math.floor(r.u() * 4); k++) {
    const kind = r.u();
    if (kind < 0.1) info += 0; // an interval without data
    else if (kind < 0.25) info += info * 0.03 * r.u(); // a sliver: below MIN_INCREMENT, skipped
    else if (kind < 0.3) info += info * (0.03 + 0.02 * r.u()); // just above it
    else if (kind < 0.4) info += scale * 10 * r.u(); // a burst
    else info += scale * (0.1 + r.u());
    information.push(info);
  }
  return { horizon, alpha, power, information };
}

function zs(b: { look(information: number): number }, information: number[]): number[] {
  return information.map((i) => b.look(i));
}

/** The largest |dz| between two boundaries' looks, after checking that they skip (Infinity) the same looks. */
function maxDz(got: number[], want: number[]): number {
  expect(got.map((z) => z === Infinity)).toEqual(want.map((z) => z === Infinity));
  return Math.max(0, ...got.map((z, k) => (z === Infinity ? 0 : Math.abs(z - want[k]))));
}

describe('SpendingBoundary', () => {
  it('matches the reference recursion to 1e-6 in z for irregular information, skipping the same looks', () => {
    const r = rng(20240611);
    let worst = 0;
    let compared = 0;
    for (let c = 0; c < 300; c++) {
      const { horizon, alpha, power, information } = randomCase(r);
      const want = zs(new ReferenceSpendingBoundary(horizon, alpha, power), information);
      worst = Math.max(worst, maxDz(zs(new SpendingBoundary(horizon, alpha, power), information), want));
      compared += want.filter((z) => z < Infinity).length;
    }
    expect(compared).toBeGreaterThan(3000);
    expect(worst).toBeLessThan(1e-6); // 4e-7 at most over 12,000 cases: the reference's Newton stops at 1e-6 in p
  });

  it('is within 1e-7 in z of the same recursion solved to 1e-13 (it stops closer to the root than the reference)', () => {
    const r = rng(99);
    let worst = 0;
    for (let c = 0; c < 300; c++) {
      const { horizon, alpha, power, information } = randomCase(r);
      const want = zs(new ReferenceSpendingBoundary(horizon, alpha, power, 1e-13), information);
      worst = Math.max(worst, maxDz(zs(new SpendingBoundary(horizon, alpha, power), information), want));
    }
    // 4.2e-8 at most over 12,000 cases, from the reference's erfc (relative error 1.2e-7) at single looks near z = 1.1.
    expect(worst).toBeLessThan(1e-7);
  });

  it('matches the reference to 1e-6 at the extremes: 60 looks, alpha 1e-4 and 0.2, power 0.5 and 2, equal increments', () => {
    // (Equal increments fall below 3% of the total after look 33, so later looks are taken in pairs, then threes.)
    const information = Array.from({ length: 62 }, (_, k) => (k + 1) * 0.7);
    for (const alpha of [1e-4, 0.2]) {
      for (const power of [0.5, 2]) {
        const want = zs(new ReferenceSpendingBoundary(60, alpha, power), information);
        expect(maxDz(zs(new SpendingBoundary(60, alpha, power), information), want)).toBeLessThan(1e-6);
      }
    }
  });

  it('spends all of alpha at a single look: the fixed-sample one-sided z, whatever the information', () => {
    for (const alpha of [1e-4, 0.01, 0.05, 0.2]) {
      for (const information of [1e-3, 1, 250]) {
        expect(new SpendingBoundary(1, alpha).look(information)).toBeCloseTo(normalUpperQuantile(alpha), 9);
      }
    }
    expect(new SpendingBoundary(1, 0.05).look(3)).toBeCloseTo(1.6448536, 6);
  });

  it('solves the two-look crossing probability of an independent fine quadrature to 1e-4 in z', () => {
    // P(Z1 < c1, Z2 >= c2) with corr(Z1, Z2) = sqrt(I1/I2), by the midpoint rule on 5,000 points over [-9, c1].
    const crossingAtSecond = (c1: number, c2: number, rho: number): number => {
      const n = 5_000;
      const lo = -9;
      const dz = (c1 - lo) / n;
      let p = 0;
      for (let i = 0; i < n; i++) {
        const z1 = lo + (i + 0.5) * dz;
        p += Math.exp(-0.5 * z1 * z1) * normalUpper((c2 - rho * z1) / Math.sqrt(1 - rho * rho));
      }
      return (p * dz) / Math.sqrt(2 * Math.PI);
    };
    for (const [alpha, power, i1, i2] of [
      [0.05, 1.5, 1, 2],
      [0.01, 1, 0.3, 5],
      [0.2, 2, 4, 4.5],
    ]) {
      const b = new SpendingBoundary(2, alpha, power);
      const c1 = b.look(i1);
      const c2 = b.look(i2);
      const first = alpha * 0.5 ** power;
      expect(c1).toBeCloseTo(normalUpperQuantile(first), 9);
      // c2 solves crossing(c2) = alpha - first; the crossing probability falls by about density·dz per dz in z.
      let lo = 0;
      let hi = 10;
      for (let i = 0; i < 34; i++) {
        const mid = (lo + hi) / 2;
        if (crossingAtSecond(c1, mid, Math.sqrt(i1 / i2)) > alpha - first) lo = mid;
        else hi = mid;
      }
      expect(Math.abs(c2 - (lo + hi) / 2)).toBeLessThan(1e-4);
    }
  });

  it('is crossed by a driftless Brownian score at alpha spent by calendar time, exactly, over 20,000 paths (any seed)', () => {
    // Nine counts, each checked two-sided against its binomial limits at 1e-3/18 a side: the chance that the
    // spec fails while the boundary spends exactly what it should is at most 1e-3 (support/binomial.ts).
    const r = seededRng('spending by calendar time');
    const paths = 20_000;
    for (const { horizon, alpha, power, information } of [
      { horizon: 30, alpha: 0.05, power: 1.5, information: [] as number[] },
      { horizon: 12, alpha: 0.2, power: 0.5, information: [] as number[] },
      { horizon: 45, alpha: 0.01, power: 2, information: [] as number[] },
    ]) {
      let info = 0;
      for (let k = 0; k < horizon + 2; k++) information.push((info += r.u() < 0.2 ? info * 0.01 : 0.2 + 3 * r.u()));
      const c = zs(new SpendingBoundary(horizon, alpha, power), information);
      expect(c.slice(horizon)).toEqual([Infinity, Infinity]); // nothing is spent past the horizon
      const firstCrossing = new Array<number>(c.length).fill(0);
      for (let path = 0; path < paths; path++) {
        let s = 0;
        let prev = 0;
        for (let k = 0; k < c.length; k++) {
          s += Math.sqrt(information[k] - prev) * r.normal();
          prev = information[k];
          if (s >= c[k] * Math.sqrt(information[k])) {
            firstCrossing[k]++;
            break;
          }
        }
      }
      // By look k the boundary has spent alpha·(j/N)^power, exactly (not just at most) for the information seen,
      // j the latest look up to k that was not skipped (a look with almost no new information spends nothing: its
      // share waits for the next real look, and is never spent if none comes before the horizon).
      for (const k of [Math.floor(horizon / 3), Math.floor((2 * horizon) / 3), horizon + 2]) {
        const crossed = firstCrossing.slice(0, k).reduce((a, b) => a + b, 0);
        const j = Math.min(k, horizon) - [...c.slice(0, Math.min(k, horizon))].reverse().findIndex(Number.isFinite);
        const spent = j > Math.min(k, horizon) ? 0 : alpha * (j / horizon) ** power;
        expect(crossed).toBeLessThanOrEqual(mostFails(paths, spent, LUCK / 18));
        expect(crossed).toBeGreaterThanOrEqual(fewestFails(paths, spent, LUCK / 18));
      }
    }
  });

  it('skips a look with under 3% more information, as if none had arrived, and spends its share at the next real look', () => {
    const sliver = new SpendingBoundary(4, 0.05);
    const none = new SpendingBoundary(4, 0.05);
    expect([sliver.look(0), none.look(0)]).toEqual([Infinity, Infinity]); // no information yet
    expect(sliver.look(1)).toBe(none.look(1));
    expect([sliver.look(1.02), none.look(1)]).toEqual([Infinity, Infinity]);
    expect(sliver.look(3)).toBe(none.look(3));
    expect(Number.isFinite(none.z)).toBe(true); // (the Monte Carlo test above checks that the carried share is spent)
  });
});
