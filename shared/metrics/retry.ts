import pRetry from 'p-retry';
import { ProviderError } from './provider.js';
import { errorMessage } from '../errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the first retry; each next one is 4x longer. */
  firstDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 500 };

/**
 * Runs a backend call with bounded backoff (p-retry: 4x longer each time). Retries only what may pass on a
 * second try; the last failure is rethrown with the number of attempts, so the caller reports it as an
 * `error` measurement.
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  let attempts = 0;
  try {
    return await pRetry(() => (attempts++, call()), {
      retries: policy.attempts - 1,
      minTimeout: policy.firstDelayMs,
      factor: 4,
      shouldRetry: ({ error }) => !(error instanceof ProviderError) || error.retryable,
    });
  } catch (error) {
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    throw new ProviderError(`${errorMessage(error)}${tries}`, false);
  }
}
