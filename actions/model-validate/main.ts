import { getInputs } from './inputs.js';

/**
 * model-validate's entry: the inputs are checked first, and only then is the gate's code (HTTP client,
 * YAML, statistics, and the SDKs it loads lazily in turn) imported, so a bad input fails fast.
 */
export async function run(): Promise<void> {
  const inputs = getInputs();
  const { validateModel } = await import('./gate.js');
  await validateModel(inputs);
}
