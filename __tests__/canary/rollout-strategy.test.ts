import { describe, expect, it } from '@jest/globals';
import type { V1Deployment } from '@kubernetes/client-node';
import { capacityRollout, ROLLOUT_RESTORE } from '../../shared/canary/rollout-strategy.js';
import { servingReplicas } from '../../shared/k8s/serving.js';

const deployment = (strategy: unknown, annotations: Record<string, string> = {}): V1Deployment =>
  ({ metadata: { name: 'model', namespace: 'shop', annotations }, spec: { replicas: 8, strategy } }) as V1Deployment;

describe('the rollout promote runs: every serving pod kept until its replacement is ready', () => {
  it('the API server\'s default 25%/25% becomes maxUnavailable 0 with the user\'s surge kept, the user\'s values recorded', () => {
    const r = capacityRollout(deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }), 8);
    expect(r.kind).toBe('changed');
    if (r.kind !== 'changed') return;
    expect(r.patch.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0 });
    expect(JSON.parse(r.patch.metadata.annotations[ROLLOUT_RESTORE])).toEqual({ maxSurge: '25%', maxUnavailable: '25%' });
  });

  it('a surge of 0 or 0% becomes 1 (a percentage rounds up, so only 0% resolves to 0): the API server refuses maxSurge and maxUnavailable both 0', () => {
    for (const maxSurge of [0, '0%']) {
      const r = capacityRollout(deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: 2 } }), 8);
      expect(r.kind === 'changed' && r.patch.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    }
  });

  it('nothing to change when maxUnavailable already resolves to 0 for the replicas rolled to (rounded down, as the controller does)', () => {
    expect(capacityRollout(deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }), 8).kind).toBe('keeps');
    expect(capacityRollout(deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '10%' } }), 8).kind).toBe('keeps');
    expect(capacityRollout(deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '10%' } }), 10).kind).toBe('changed');
  });

  it('a record left by an earlier attempt is kept: it holds the user\'s values, not the ones promote wrote', () => {
    const earlier = JSON.stringify({ maxSurge: 3, maxUnavailable: 2 });
    const r = capacityRollout(deployment({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 1 } }, { [ROLLOUT_RESTORE]: earlier }), 8);
    expect(r.kind === 'changed' && r.patch.metadata.annotations[ROLLOUT_RESTORE]).toBe(earlier);
  });

  it('Recreate is left as it is, with a warning naming the Deployment', () => {
    const r = capacityRollout(deployment({ type: 'Recreate' }), 8);
    expect(r.kind).toBe('recreate');
    expect(r.kind === 'recreate' && r.warning).toMatch(/^Deployment shop\/model uses the Recreate strategy: .*does not change a strategy type/);
  });
});

describe('servingReplicas: the stable replicas a canary is sized from', () => {
  const d = (spec: number, running?: number) => ({ spec: { replicas: spec }, ...(running === undefined ? {} : { status: { replicas: running } }) });
  it('the running pods when a scale-up\'s pods do not exist yet', () => expect(servingReplicas(d(9, 6))).toBe(6));
  it('the spec when a rolling update runs surge pods beside it', () => expect(servingReplicas(d(4, 6))).toBe(4));
  it('the spec before the controller reported any status', () => expect(servingReplicas(d(5))).toBe(5));
  it('0 when stable runs no pods', () => expect(servingReplicas(d(3, 0))).toBe(0));
});
