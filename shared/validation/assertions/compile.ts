import { ConfigurationError } from '../../action/errors.js';
import { customAssertion } from './custom.js';
import { isJson, jsonPath } from './json.js';
import { TEXT_ASSERTIONS } from './text.js';
import type { AssertionSite, CompiledAssertion } from './types.js';
import type { AssertionSpec } from '../suite.js';

type Builder = (spec: AssertionSpec, site: AssertionSite) => Promise<Partial<CompiledAssertion> & Pick<CompiledAssertion, 'check'>> | (Partial<CompiledAssertion> & Pick<CompiledAssertion, 'check'>);

const BUILDERS: Record<string, Builder> = {
  ...TEXT_ASSERTIONS,
  'is-json': isJson,
  'json-path': jsonPath,
  custom: customAssertion,
};

export const ASSERTION_KINDS = Object.keys(BUILDERS);

/** Turns an assertion as written into a check, or fails naming the case, its line and what is wrong. */
export async function compileAssertion(spec: AssertionSpec, site: AssertionSite): Promise<CompiledAssertion> {
  const build = BUILDERS[spec.type];
  if (!build) {
    throw new ConfigurationError(`${site.where}: unknown assertion \`${spec.type}\`. Expected one of ${ASSERTION_KINDS.map((k) => `\`${k}\``).join(', ')}.`);
  }
  if (spec.metric !== undefined && (typeof spec.metric !== 'string' || spec.metric === '')) {
    throw new ConfigurationError(`${site.where}: \`metric\` of a \`${spec.type}\` assertion must be a non-empty name.`);
  }
  const built = await build(spec, site);
  return { scope: 'run', ...built, type: spec.type, metric: spec.metric as string | undefined };
}
