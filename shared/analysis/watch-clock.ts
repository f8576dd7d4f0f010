/** Waits `ms`, or rejects with the signal's reason as soon as `signal` aborts (a cancelled run stops at once). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The interval that just ended, in whole seconds: what a provider measures at the end of each interval. */
export function windowEndingAt(nowMs: number, intervalMs: number): { start: number; end: number } {
  const end = Math.floor(nowMs / 1000);
  return { start: end - Math.round(intervalMs / 1000), end };
}
