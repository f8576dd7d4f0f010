import { describe, expect, it } from '@jest/globals';
import { currentClaimant, decodeLease, describeLease, encodeLease, grant, holderFor, LEASE_KEY, standing, type LeaseHolder } from '../../shared/canary/lease.js';

const holder: LeaseHolder = { repository: 'acme/model', runId: '41', runAttempt: 1, nonce: 'aaaa', runUrl: 'https://github.com/acme/model/actions/runs/41' };
const t0 = Date.parse('2026-01-01T00:00:00Z');

describe('canary lease', () => {
  it('round-trips through its one annotation, readable by kubectl (duration spelled out)', () => {
    const lease = grant(holder, 90_000, t0);
    const annotations = encodeLease(lease);
    expect(Object.keys(annotations)).toEqual([LEASE_KEY]);
    expect(JSON.parse(annotations[LEASE_KEY])).toMatchObject({ duration: '1m30s', expiresAt: '2026-01-01T00:01:30.000Z' });
    expect(decodeLease(annotations)).toEqual(lease);
  });

  it('reads a missing, unparsable or incomplete record as no lease', () => {
    expect(decodeLease(undefined)).toBeUndefined();
    expect(decodeLease({ [LEASE_KEY]: '{not json' })).toBeUndefined();
    expect(decodeLease({ [LEASE_KEY]: JSON.stringify({ repository: 'a', runId: '1', runAttempt: 1, nonce: 'n', renewedAt: 'x', expiresAt: 'never', durationMs: 1 }) })).toBeUndefined();
    expect(decodeLease({ [LEASE_KEY]: JSON.stringify({ ...holder, durationMs: 0, renewedAt: 'x', expiresAt: '2026-01-01T00:00:00Z' }) })).toBeUndefined();
  });

  it('is mine for the same run and nonce, held for another run until expiry, expired after', () => {
    const lease = grant(holder, 60_000, t0);
    expect(standing(lease, holder, t0 + 59_999)).toBe('mine');
    expect(standing(lease, holder, t0 + 10 * 60_000)).toBe('mine'); // an expired lease nobody took is still its holder's
    const other = { ...holder, runId: '42', nonce: 'bbbb' };
    expect(standing(lease, other, t0 + 59_999)).toBe('held');
    expect(standing(lease, other, t0 + 60_000)).toBe('expired');
  });

  it('tells apart two runs with the same run id and attempt by their nonce (local runners)', () => {
    const lease = grant(holder, 60_000, t0);
    expect(standing(lease, { ...holder, nonce: 'cccc' }, t0)).toBe('held');
    // A step of the same run in another job knows no nonce: the run id and attempt decide.
    expect(standing(lease, { ...holder, nonce: undefined }, t0)).toBe('mine');
    expect(standing(lease, { ...holder, nonce: undefined, repository: 'acme/other' }, t0)).toBe('held');
  });

  it('hands an earlier attempt of the run to a later one, never the reverse', () => {
    const lease = grant(holder, 60_000, t0);
    expect(standing(lease, { ...holder, runAttempt: 2, nonce: 'dddd' }, t0)).toBe('mine');
    expect(standing(grant({ ...holder, runAttempt: 2 }, 60_000, t0), { ...holder, runAttempt: 1 }, t0)).toBe('held');
  });

  it('keeps the recorded nonce when a step without one renews its run’s lease', () => {
    expect(holderFor({ ...holder, nonce: undefined }, holder).nonce).toBe('aaaa');
    expect(holderFor({ ...holder, nonce: 'eeee' }, holder).nonce).toBe('eeee');
    expect(holderFor({ ...holder, nonce: undefined }).nonce).toMatch(/^[0-9a-f]{24}$/);
  });

  it('names the owner run and the expiry, never the nonce', () => {
    const lease = grant(holder, 60_000, t0);
    expect(describeLease(lease, t0)).toBe('its lease is held by https://github.com/acme/model/actions/runs/41 until 2026-01-01T00:01:00.000Z');
    expect(describeLease(lease, t0 + 60_000)).toBe('abandoned by https://github.com/acme/model/actions/runs/41: its lease (1m) expired at 2026-01-01T00:01:00.000Z');
    expect(describeLease(lease, t0)).not.toContain('aaaa');
  });

  it('knows this run from the runner variables, and outside Actions as local attempt 1', () => {
    const env = { GITHUB_REPOSITORY: 'acme/model', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '3', GITHUB_SERVER_URL: 'https://ghe.example' };
    expect(currentClaimant('n', env)).toEqual({ repository: 'acme/model', runId: '7', runAttempt: 3, nonce: 'n', runUrl: 'https://ghe.example/acme/model/actions/runs/7' });
    expect(currentClaimant(undefined, {})).toEqual({ repository: 'local', runId: 'local', runAttempt: 1, nonce: undefined });
  });
});
