import { invalidInput } from '../../shared/action/errors.js';
import { parseList } from '../../shared/parse/list.js';
import { parsePercentage } from '../../shared/parse/percentage.js';

const EXPECTED = 'canary weights in percent, increasing, each greater than 0 and at most 100, such as `10,25,50,100`';

/** `steps`: the canary weights to walk through, e.g. `10,25,50,100`. */
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
