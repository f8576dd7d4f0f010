export { sleep } from '../../shared/analysis/watch-clock.js';

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
