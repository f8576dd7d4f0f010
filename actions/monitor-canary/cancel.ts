/**
 * Turns the runner's cancel (SIGINT, then SIGTERM) into an abort signal, so the analysis stops at once
 * and its `finally` gives stable all traffic back instead of Node exiting mid-change.
 */
export class CancelGuard {
  private readonly controller = new AbortController();
  private readonly onSignal = (signal: NodeJS.Signals) => this.controller.abort(new Error(`Cancelled by ${signal}`));
  readonly signal = this.controller.signal;

  constructor(private readonly signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']) {
    for (const s of this.signals) process.on(s, this.onSignal);
  }

  dispose(): void {
    for (const s of this.signals) process.off(s, this.onSignal);
  }
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
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
