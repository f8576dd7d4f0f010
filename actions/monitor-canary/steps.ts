import { invalidInput } from '../../shared/errors.js';
import { parseList } from '../../shared/parse/list.js';
import { parsePercentage } from '../../shared/parse/percentage.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';

const EXPECTED = 'canary weights in percent, increasing, each greater than 0 and at most 100, such as `10,25,50`';

/** `steps`: the canary weights to walk through, e.g. `10,25,50`. */
export function parseSteps(value: string): number[] {
  const items = parseList(value);
  if (items.length === 0) throw invalidInput('steps', value, EXPECTED);
  const steps = items.map((item) => {
    try {
      return parsePercentage(item, 'steps', { allowZero: false });
    } catch {
      throw invalidInput('steps', value, `${EXPECTED}; '${item}' is not one`);
    }
  });
  steps.forEach((step, i) => {
    if (i > 0 && step <= steps[i - 1]) throw invalidInput('steps', value, `${EXPECTED}; ${step} does not come after ${steps[i - 1]}`);
  });
  return steps;
}

/**
 * A step of 100 gives stable no traffic, so a `max-increase` (canary relative to stable) can never be judged
 * there: refused before anything moves. Reaching 100% is promote's job once the steps below it passed.
 */
export function checkStepsJudgeable(steps: number[], value: string, metrics: readonly MetricSpec[]): void {
  const relative = metrics.find((m) => m.maxIncrease !== undefined);
  if (relative && steps.includes(100)) {
    throw invalidInput('steps', value, `weights below 100 when a metric has \`max-increase\` (at 100 stable gets no traffic, so '${relative.name}' could not be compared with it); promote takes the canary to 100%`);
  }
}
