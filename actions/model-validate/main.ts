import { getInputs, type Inputs } from './inputs.js';

/**
 * model-validate's entry: the inputs are checked first, and only then is the gate's code (HTTP client,
 * YAML, statistics, and the SDKs it loads lazily in turn) imported, so a bad input fails fast.
 */
/** `inputs`: parsed by the caller when it already checked them (the bundle entry does), else here. */
export async function run(inputs: Inputs = getInputs()): Promise<void> {
  const { validateModel } = await import('./gate.js');
  await validateModel(inputs);
}
