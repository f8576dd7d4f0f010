import pRetry from 'p-retry';
import { isConflict } from './errors.js';
import { classifyFailure, RequestTimeout } from './failure.js';

export interface RetryPolicy {
  /** Tries in all, including the first. */
  attempts: number;
  /** First backoff; doubles each time, with jitter, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** An attempt that takes longer than this is abandoned and counted as transient. */
  attemptTimeoutMs: number;
  /** The longest `Retry-After` honoured (a longer one is waited this long). */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 2_000, attemptTimeoutMs: 15_000, maxRetryAfterMs: 10_000 };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(`${what}: no answer from the API server within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * p-retry gives up at once on any `TypeError` whose message is not one of the runtimes' network messages,
 * and client-node rewrites undici's `fetch failed` into "Failed to fetch resource metadata ...": so each
 * failure is classified here (by status and error code, see failure.ts) and a transient one is handed
 * to p-retry wrapped in a plain Error, then unwrapped for the caller.
 */
class Transient extends Error {
  constructor(readonly original: unknown) {
    super('transient');
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one API call, retrying transient failures (connection reset/refused, timeouts, DNS, 429 after its
 * `Retry-After`, 500/502/503/504) with bounded exponential backoff (p-retry: doubling, randomised, capped
 * at `maxDelayMs`). Anything else (403, 404, 409, 422, TLS verification) is an answer, returned to the
 * caller at once. `onGiveUp` sees the last error and the number of tries, to describe it.
 */
export async function retryTransient<T>(what: string, call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, onGiveUp?: (error: unknown, tries: number) => unknown): Promise<T> {
  let tries = 0;
  try {
    return await pRetry(
      async () => {
        tries++;
        try {
          return await withTimeout(call(), policy.attemptTimeoutMs, what);
        } catch (error) {
          throw classifyFailure(error).kind === 'transient' ? new Transient(error) : error;
        }
      },
      {
        retries: policy.attempts - 1,
        minTimeout: policy.baseDelayMs / 2,
        maxTimeout: policy.maxDelayMs,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof Transient,
        // Honour Retry-After: wait what is left of it beyond p-retry's own backoff.
        onFailedAttempt: async ({ error, retryDelay, retriesLeft }) => {
          if (!(error instanceof Transient) || retriesLeft <= 0) return;
          const asked = classifyFailure(error.original).retryAfterMs;
          if (asked !== undefined) await sleep(Math.max(0, Math.min(asked, policy.maxRetryAfterMs ?? 10_000) - retryDelay));
        },
      },
    );
  } catch (error) {
    const original = error instanceof Transient ? error.original : error;
    if (onGiveUp) throw onGiveUp(original, tries);
    throw original;
  }
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
