import { ConfigurationError } from '../../shared/errors.js';
import { describeRef, type VersionRef } from '../../shared/registry/names.js';
import type { ModelRegistry } from '../../shared/registry/registry.js';
import type { ValidationReport } from '../../shared/validation/report.js';
import { caseOutcomes } from '../../shared/validation/validate.js';

export interface Baseline {
  label: string;
  results: Map<string, boolean>;
  margin: number;
}

/** The stored results of the baseline version (e.g. what `production` points at) for this suite. */
export async function loadBaseline(registry: ModelRegistry, model: string, ref: VersionRef, suite: string, margin: number): Promise<Baseline> {
  const resolved = await registry.resolve(model, ref);
  const stored = await registry.readValidation<ValidationReport>(model, resolved.version, suite);
  const label = ref.kind === 'version' ? resolved.version : `${describeRef(ref)} (${resolved.version})`;
  if (!stored) {
    throw new ConfigurationError(
      `Invalid \`baseline\`: ${label} of model '${model}' has no stored results for suite '${suite}'. Run model-validate on it with \`registry\` set first, or leave \`baseline\` empty.`,
    );
  }
  if (stored.manifestDigest !== resolved.manifestDigest) {
    throw new ConfigurationError(`Invalid \`baseline\`: the stored '${suite}' results of ${label} were computed on ${stored.manifestDigest}, not on its manifest ${resolved.manifestDigest}.`);
  }
  return { label, results: caseOutcomes(stored.report), margin };
}
