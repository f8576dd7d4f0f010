import { describe, expect, it } from '@jest/globals';
import { applySplit, canaryShare, removeTracks } from '../../shared/traffic/backends.js';
import { inexactWeight, splitWeights } from '../../shared/traffic/router.js';
import { replicasForWeight } from '../../shared/traffic/replicas.js';

const names = { stable: 'agent', canary: 'agent-canary', baseline: 'agent-baseline' };
const nameOf = (e: { name: string }) => e.name;

describe('canary weights are set exactly or refused, never rounded', () => {
  it.each([
    [10.5, false, { canary: 21, stable: 179, baseline: 0 }],
    [12.25, false, { canary: 49, stable: 351, baseline: 0 }],
    [0.1, false, { canary: 1, stable: 999, baseline: 0 }],
    [10.5, true, { canary: 21, baseline: 21, stable: 158 }],
    [33.3333, false, { canary: 333333, stable: 666667, baseline: 0 }],
  ])('splits %p%% (baseline %p) into the smallest relative integers of that exact ratio', (weight, baseline, split) => {
    expect(splitWeights(weight, baseline, true)).toEqual(split);
    const total = split.canary + split.stable + split.baseline;
    expect((100 * split.canary) / total).toBeCloseTo(weight, 10);
  });

  it('keeps whole percents as weights that sum to 100 on every router', () => {
    expect(splitWeights(10, false)).toEqual({ canary: 10, stable: 90, baseline: 0 });
    expect(splitWeights(25, true)).toEqual({ canary: 25, baseline: 25, stable: 50 });
    expect(splitWeights(10, false, true)).toEqual({ canary: 10, stable: 90, baseline: 0 });
  });

  it('refuses a fraction on a router whose weights are whole percents instead of rounding it', () => {
    expect(() => splitWeights(10.5, false)).toThrow('A canary weight of 10.5% cannot be set exactly on this router: expected a whole percentage.');
    expect(() => splitWeights(10.12345, false, true)).toThrow('expected at most 4 decimals');
  });

  it('names at the edge which routers take a fraction', () => {
    expect(inexactWeight(10.5, 'gateway-api')).toBeUndefined();
    expect(inexactWeight(10.5, 'smi')).toBeUndefined();
    expect(inexactWeight(10, 'istio')).toBeUndefined();
    expect(inexactWeight(10.5, 'istio')).toBe('a whole percentage with `traffic-router: istio` (its weights are whole percents; `gateway-api` and `smi` take fractions exactly)');
    expect(inexactWeight(10.5, 'nginx')).toMatch(/^a whole percentage with `traffic-router: nginx`/);
    expect(inexactWeight(10.00001, 'gateway-api')).toBe('at most 4 decimals');
  });

  it('reads back the weight it wrote: 21:179 on the backends is 10.5%, not 11%', () => {
    const entries = applySplit([{ name: 'agent', weight: 100 }], nameOf, names, splitWeights(10.5, true, true), (name) => ({ name, weight: 0 }));
    expect(entries).toEqual([
      { name: 'agent', weight: 158 },
      { name: 'agent-canary', weight: 21 },
      { name: 'agent-baseline', weight: 21 },
    ]);
    expect(canaryShare(entries, nameOf, names)).toBe(10.5);
  });

  it('sizes the replicas router from the exact fraction (10.5% of 179 stable pods is 21 canary pods)', () => {
    expect(replicasForWeight(179, 10.5, false)).toBe(21);
    expect(replicasForWeight(9, 10, false)).toBe(1);
  });
});

describe('resetting and removing the canary leave the stable weight as it was before the canary', () => {
  const user = [{ name: 'agent', weight: 1 }, { name: 'other', weight: 3 }];
  it('a reset of a list the canary is no longer in (a re-run after clean-up) changes nothing', () => {
    expect(applySplit(user, nameOf, names, splitWeights(0, true))).toBe(user);
  });
  it('a reset of a list the canary is in sends it nothing and stable all of the split', () => {
    const during = [...user, { name: 'agent-canary', weight: 10 }];
    expect(applySplit(during, nameOf, names, splitWeights(0, false))).toEqual([{ name: 'agent', weight: 100 }, { name: 'other', weight: 3 }, { name: 'agent-canary', weight: 0 }]);
  });
  it('removing the tracks puts the stable entry back at its recorded weight, or without one when it had none', () => {
    const during = [{ name: 'agent', weight: 100 }, { name: 'other', weight: 3 }, { name: 'agent-canary', weight: 0 }];
    expect(removeTracks(during, nameOf, names, 1)).toEqual(user);
    expect(removeTracks(during, nameOf, names, null)).toEqual([{ name: 'agent' }, { name: 'other', weight: 3 }]);
    expect(removeTracks(during, nameOf, names)).toEqual([{ name: 'agent', weight: 100 }, { name: 'other', weight: 3 }]);
  });
});
