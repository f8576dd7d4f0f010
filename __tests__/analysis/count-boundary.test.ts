import { describe, expect, it } from '@jest/globals';
import { COUNTS_UP_TO, horizonTest } from '../../shared/analysis/horizon-test.js';
import { CountBoundary, type BinomialCell } from '../../shared/analysis/sequences/count-boundary.js';
import { ProportionSequence } from '../../shared/analysis/sequences/proportion.js';
import { RateRatioSequence } from '../../shared/analysis/sequences/rate-ratio.js';
import { DEFAULT_TUNING, type ConfidenceSequence } from '../../shared/analysis/sequences/sequence.js';
import { SpendingBoundary } from '../../shared/analysis/sequences/spending.js';
import { addTrials, seeded } from './support/binomial.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Random looks: 0-3 intervals each (some looks bring nothing), 0-12 trials an interval, p from 0.01 to 0.5. */
function randomLooks(u: () => number, looks: number): BinomialCell[][] {
  return Array.from({ length: looks }, () => Array.from({ length: Math.floor(u() * 4) }, () => ({ trials: Math.floor(u() * 13), p: 0.01 + 0.49 * u() })));
}

/** The share of alpha that may be spent by look k of N. */
const target = (alpha: number, power: number, k: number, horizon: number) => alpha * (Math.min(k, horizon) / horizon) ** power;

const noDispersion = { ...DEFAULT_TUNING, dispersionPrior: 1e12 };

/**
 * The same minutes of [canary, control] bad events with the canary's total moved to `events`, each minute's total
 * kept (so the conditional law the boundary saw is the same): events move between the sides from the last minute back.
 */
function withCanaryTotal(minutes: [number, number][], events: number): [number, number][] {
  let move = events - sum(minutes.map(([c]) => c));
  return minutes
    .slice()
    .reverse()
    .map(([c, s]): [number, number] => {
      const step = Math.max(-c, Math.min(s, move));
      move -= step;
      return [c + step, s - step];
    })
    .reverse();
}

describe('the group-sequential boundary on counts', () => {
  it('spends by each look at most what it may, and crossing one event lower would spend more: checked on the exact law of every count path', () => {
    const u = seeded('count boundary paths');
    let checked = 0;
    for (let trial = 0; trial < 40; trial++) {
      const horizon = 3 + Math.floor(u() * 8);
      const alpha = [0.01, 0.05, 0.2][trial % 3];
      const power = [1.5, 1, 3][Math.floor(trial / 3) % 3];
      const side = trial % 2 ? 'above' : 'below';
      const boundary = new CountBoundary(horizon, alpha, side, power);
      // `live`: P(X = x and no boundary crossed yet), by whole trials; `spent`: P(crossed by now).
      let live = [1];
      let spent = 0;
      for (const [k, cells] of randomLooks(u, horizon + 1).entries()) {
        for (const { trials, p } of cells) live = addTrials(live, trials, p);
        boundary.look(cells);
        if (k >= horizon) {
          expect(boundary.count).toBe(side === 'above' ? Infinity : -Infinity); // past the horizon: nothing
          continue;
        }
        const crosses = (x: number) => (side === 'above' ? x >= boundary.count : x <= boundary.count);
        const now = sum(live.filter((_, x) => crosses(x)));
        const may = target(alpha, power, k + 1, horizon);
        expect(spent + now).toBeLessThanOrEqual(may * (1 + 1e-9));
        // The boundary is the lowest (or highest) count that fits: one event further in spends too much.
        const further = side === 'above' ? boundary.count - 1 : boundary.count + 1;
        const wider = sum(live.filter((_, x) => (side === 'above' ? x >= further : x <= further)));
        if (Number.isFinite(boundary.count)) expect(spent + wider).toBeGreaterThan(may);
        else expect(spent + Math.max(0, ...live)).toBeGreaterThan(may * (1 - 1e-9));
        spent += now;
        live = live.map((q, x) => (crosses(x) ? 0 : q));
        checked++;
      }
      expect(spent).toBeLessThanOrEqual(alpha * (1 + 1e-9));
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('carries what whole events leave unspent to later looks: by the horizon it has spent nearly all of alpha', () => {
    // 15 requests a minute at a 2% bound: a minute alone can spend little of 1% (one error has a 26% chance).
    const boundary = new CountBoundary(30, 0.01, 'above');
    let live = [1];
    let spent = 0;
    for (let k = 0; k < 30; k++) {
      live = addTrials(live, 15, 0.02);
      boundary.look([{ trials: 15, p: 0.02 }]);
      spent += sum(live.slice(boundary.count));
      live = live.map((q, x) => (x >= boundary.count ? 0 : q));
    }
    // The most a boundary could spend on whole events is alpha; with 450 trials one event at the boundary is worth
    // well under a quarter of it.
    expect(spent).toBeGreaterThan(0.75 * 0.01);
    expect(spent).toBeLessThanOrEqual(0.01);
  });

  it('spends nothing past the horizon and nothing at a look no count can reach', () => {
    const boundary = new CountBoundary(2, 0.05, 'above');
    expect(boundary.look([])).toBe(Infinity); // no trials: no count can cross
    expect(boundary.look([{ trials: 1, p: 0.5 }])).toBe(Infinity); // one trial: P(X >= 1) = 0.5 > 0.05
    expect(boundary.look([{ trials: 40, p: 0.05 }])).toBe(Infinity); // past the horizon
    expect(boundary.count).toBe(Infinity);
  });

  it('is reached by a proportion\'s score at its count and not one event short, few requests or many, either side', () => {
    let reached = 0;
    for (const { requests, bound, looks, alpha } of [
      { requests: 15, bound: 0.02, looks: 30, alpha: 0.002 },
      { requests: 120, bound: 0.05, looks: 30, alpha: 0.01 },
      { requests: 2000, bound: 0.01, looks: 20, alpha: 0.01 },
      { requests: 40, bound: 0.3, looks: 10, alpha: 0.05 },
    ]) {
      for (const side of ['above', 'below'] as const) {
        const boundary = new CountBoundary(looks, alpha, side);
        const before = reached;
        for (let k = 1; k <= looks; k++) {
          const z = boundary.look([{ trials: requests, p: bound }]);
          if (!Number.isFinite(z)) continue;
          const scoreAt = (events: number) => {
            const seq = new ProportionSequence(noDispersion);
            seq.add(events, requests * k);
            return seq.score(bound)!;
          };
          if (side === 'above') {
            expect(scoreAt(boundary.count).above).toBeGreaterThanOrEqual(z);
            expect(scoreAt(boundary.count - 1).above).toBeLessThan(z);
          } else {
            expect(scoreAt(boundary.count).below).toBeLessThanOrEqual(-z);
            expect(scoreAt(boundary.count + 1).below).toBeGreaterThan(-z);
          }
          reached++;
        }
        expect(reached).toBeGreaterThan(before); // (a lower tail at 2% of 15 requests a minute is reachable only late)
      }
    }
    expect(reached).toBeGreaterThan(100);
  });

  it('is reached by a rate ratio\'s conditional score at its count and not one event short', () => {
    const u = seeded('count boundary rate ratio');
    const ratio = 1.5 ** 0.35;
    for (const { canary, control, rate, looks, alpha } of [
      { canary: 15, control: 135, rate: 0.01, looks: 30, alpha: 0.008 },
      { canary: 100, control: 900, rate: 0.04, looks: 30, alpha: 0.008 },
      { canary: 600, control: 600, rate: 0.05, looks: 15, alpha: 0.05 },
    ]) {
      const boundary = new CountBoundary(looks, alpha, 'above');
      const minutes: [number, number][] = [];
      let reached = 0;
      for (let k = 1; k <= looks; k++) {
        // Errors drawn at the tested ratio; the boundary sees each minute's conditional law.
        const xc = Array.from({ length: canary }, () => u() < rate * ratio).filter(Boolean).length;
        const xs = Array.from({ length: control }, () => u() < rate).filter(Boolean).length;
        minutes.push([xc, xs]);
        const cells = xc + xs > 0 ? [{ trials: xc + xs, p: (ratio * canary) / (ratio * canary + control) }] : [];
        const z = boundary.look(cells);
        if (!Number.isFinite(z)) continue;
        const scoreAt = (events: number) => {
          const seq = new RateRatioSequence([1.5, ratio], noDispersion);
          for (const [c, s] of withCanaryTotal(minutes, events)) seq.add(c, canary, s, control);
          return seq.score(ratio)!.above;
        };
        expect(scoreAt(boundary.count)).toBeGreaterThanOrEqual(z);
        expect(scoreAt(boundary.count - 1)).toBeLessThan(z);
        reached++;
      }
      // A floor, not a figure: at 15 canary requests a minute the boundary was finite at 10 or fewer of the 30 looks
      // in 2 of 40,000 simulated runs (this spec's own draws; the other two cases at every look of 3,000), so it
      // fails by luck about once in 20,000 runs.
      expect(reached).toBeGreaterThan(looks / 3);
    }
  });
});

describe('the horizon test of a count sequence', () => {
  it('hands a count over to the Gaussian boundary at the look its spread would pass 50 events, which spends what the counts left', () => {
    // 2,000 trials a look at 5%: a spread of 9.7 events a look, so 26 looks stay on counts and the 27th hands over.
    const cell = { trials: 2000, p: 0.05 };
    let looks = 0;
    const seq = { countCells: (_v: number, from: number) => Array.from({ length: looks - from }, () => cell) } as unknown as ConfidenceSequence;
    const information = (k: number) => k * 2000 * 0.05 * 0.95;
    const test = horizonTest({ horizon: 30, alpha: 0.01, value: 0.05, side: 'above' }, seq);
    const counts = new CountBoundary(30, 0.01, 'above');
    expect(COUNTS_UP_TO).toBe(50);
    for (looks = 1; looks <= 26; looks++) {
      test.look(seq, { above: 0, below: 0, information: information(looks) });
      expect(test.c).toBe(counts.look([cell]));
    }
    const gaussian = new SpendingBoundary(30, 0.01, undefined, { looks: 26, spent: counts.spent });
    for (; looks <= 30; looks++) {
      test.look(seq, { above: 0, below: 0, information: information(looks) });
      expect(test.c).toBe(gaussian.look(information(looks)));
    }
    expect(counts.spent).toBeGreaterThan(0);
  });
});
