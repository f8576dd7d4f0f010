import pRetry from 'p-retry';
import { isConflict, isTransient, RequestTimeout } from './errors.js';

export interface RetryPolicy {
  /** Tries in all, including the first. */
  attempts: number;
  /** First backoff; doubles each time, with jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** An attempt that takes longer than this is abandoned and counted as transient. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 2_000, attemptTimeoutMs: 15_000 };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(`${what}: no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs one API call, retrying 5xx, 429, network errors and timeouts with bounded exponential backoff
 * (p-retry: doubling, randomised between half and all of each step, capped at `maxDelayMs`).
 * Anything else (404, 409, 422, 403) is an answer, returned to the caller at once.
 */
export function retryTransient<T>(what: string, call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  return pRetry(() => withTimeout(call(), policy.attemptTimeoutMs, what), {
    retries: policy.attempts - 1,
    minTimeout: policy.baseDelayMs / 2,
    maxTimeout: policy.maxDelayMs,
    randomize: true,
    shouldRetry: ({ error }) => isTransient(error),
  });
}

/**
 * Read-modify-write with optimistic concurrency: on 409 Conflict (someone changed the object since
 * we read it) read it again and re-apply the change, up to `attempts` times.
 * `mutate` returns undefined when the object already is as wanted (nothing is written).
 */
export async function updateWithConflictRetry<T>(
  read: () => Promise<T>,
  mutate: (current: T) => T | undefined,
  write: (next: T) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const current = await read();
    const next = mutate(current);
    if (next === undefined) return current;
    try {
      return await write(next);
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
    }
  }
}
