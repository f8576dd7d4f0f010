import { describe, expect, it } from '@jest/globals';
import { retryTransient, updateWithConflictRetry, type RetryPolicy } from '../../shared/k8s/retry.js';
import { isTransient } from '../../shared/k8s/errors.js';

const fast: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2, attemptTimeoutMs: 50 };
const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code, body: { message: `status ${code}` } });

describe('retryTransient', () => {
  it('retries 503 and 429 answers, then returns the first success', async () => {
    const answers = [apiError(503), apiError(429), 'ok'];
    let calls = 0;
    const result = await retryTransient('GET x', async () => {
      const a = answers[calls++];
      if (a instanceof Error) throw a;
      return a;
    }, fast);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the bounded number of attempts with the last error', async () => {
    let calls = 0;
    await expect(retryTransient('GET x', async () => { calls++; throw apiError(500); }, fast)).rejects.toThrow('HTTP 500');
    expect(calls).toBe(4);
  });

  it('does not retry answers that are not transient (404, 409, 422)', async () => {
    for (const code of [404, 409, 422]) {
      let calls = 0;
      await expect(retryTransient('GET x', async () => { calls++; throw apiError(code); }, fast)).rejects.toMatchObject({ code });
      expect(calls).toBe(1);
    }
  });

  it('abandons an attempt that hangs past the attempt timeout and tries again', async () => {
    let calls = 0;
    const result = await retryTransient('GET x', () => (++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve('second')), fast);
    expect(result).toBe('second');
    expect(calls).toBe(2);
  });

  it('treats network failures as transient', () => {
    expect(isTransient(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }))).toBe(true);
    expect(isTransient(new Error('Invalid `image`'))).toBe(false);
  });
});

describe('updateWithConflictRetry', () => {
  it('reads again and re-applies the change after a 409 conflict', async () => {
    let version = 1;
    const writes: number[] = [];
    const result = await updateWithConflictRetry(
      async () => ({ version, value: 0 }),
      (obj) => ({ ...obj, value: obj.version * 10 }),
      async (next) => {
        writes.push(next.version);
        if (next.version === 1) {
          version = 2; // someone else wrote meanwhile
          throw apiError(409);
        }
        return next;
      },
    );
    expect(writes).toEqual([1, 2]);
    expect(result).toEqual({ version: 2, value: 20 });
  });

  it('writes nothing when the change finds the object already as wanted', async () => {
    let writes = 0;
    await updateWithConflictRetry(async () => ({ a: 1 }), () => undefined, async (x) => { writes++; return x; });
    expect(writes).toBe(0);
  });

  it('stops after the bounded number of conflicts', async () => {
    let writes = 0;
    await expect(updateWithConflictRetry(async () => ({}), (o) => o, async () => { writes++; throw apiError(409); }, 3)).rejects.toMatchObject({ code: 409 });
    expect(writes).toBe(3);
  });
});
