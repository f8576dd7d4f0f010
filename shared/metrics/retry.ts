import { ProviderError } from './provider.js';
import { errorMessage } from '../action/errors.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the first retry; each next one is 4x longer. */
  firstDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, firstDelayMs: 500 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a backend call with bounded backoff. Retries only what may pass on a second try; the last
 * failure is rethrown with the number of attempts, so the caller reports it as an `error` measurement.
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = !(error instanceof ProviderError) || error.retryable;
      if (!retryable || attempt >= policy.attempts) {
        const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw new ProviderError(`${errorMessage(error)}${tries}`, false);
      }
      await sleep(delay);
      delay *= 4;
    }
  }
}
