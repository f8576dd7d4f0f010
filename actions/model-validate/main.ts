import { getInputs, type Inputs } from './inputs.js';
import { runStep } from '../../shared/action/runner.js';

/**
 * model-validate's entry: the inputs are checked first, and only then is the gate's code (HTTP client,
 * YAML, statistics, and the SDKs it loads lazily in turn) imported, so a bad input fails fast.
 */
export function run(inputs?: Inputs): Promise<void> {
  // The typescript-action contract (`@github/local-action` calls this): never throws, failures end in core.setFailed.
  // `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here.
  return runStep(async () => validate(inputs ?? getInputs()));
}

async function validate(inputs: Inputs): Promise<void> {
  const { validateModel } = await import('./gate.js');
  await validateModel(inputs);
}
