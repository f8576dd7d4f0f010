import type { IntervalMeasurements, Target } from '../analysis/measurement.js';
import type { MetricSpec } from '../analysis/metric-spec.js';
import type { ProviderName } from './registry.js';

/** One analysis interval, in seconds since the epoch: [start, end). Queries are evaluated at `end`. */
export interface IntervalWindow {
  start: number;
  end: number;
}

/** What `{{target}}` becomes for the canary and for its control (stable or baseline). */
export interface TargetNames {
  canary: string;
  control: string;
}

/** The default rendering of `{{target}}`: the role's own name, unless the user configured another. */
export function targetNames(control: Exclude<Target, 'canary'>, configured: Partial<Record<Target, string>> = {}): TargetNames {
  return { canary: configured.canary ?? 'canary', control: configured[control] ?? control };
}

/**
 * A metrics backend. It only measures: for every metric, the canary's and the control's observation
 * in one interval, telling apart a provider error, an empty series, zero traffic and a true zero.
 * It never judges and never throws for a backend failure (that is an `error` measurement).
 */
export interface MetricsProvider {
  readonly name: ProviderName;
  measure(specs: readonly MetricSpec[], window: IntervalWindow, targets: TargetNames): Promise<IntervalMeasurements>;
}

/** A backend failure worth a retry (unreachable, timeout, 5xx, an HTML page instead of JSON). */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}
