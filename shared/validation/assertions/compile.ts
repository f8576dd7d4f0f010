import { ConfigurationError } from '../../errors.js';
import { customAssertion } from './custom.js';
import { isJson, jsonPath } from './json.js';
import { judgeAssertion } from './judge.js';
import { TEXT_ASSERTIONS } from './text.js';
import type { AssertionSite, CompiledAssertion } from './types.js';
import type { AssertionSpec } from '../suite.js';

type Builder = (spec: AssertionSpec, site: AssertionSite) => Promise<Partial<CompiledAssertion> & Pick<CompiledAssertion, 'check'>> | (Partial<CompiledAssertion> & Pick<CompiledAssertion, 'check'>);

const BUILDERS: Record<string, Builder> = {
  ...TEXT_ASSERTIONS,
  'is-json': isJson,
  'json-path': jsonPath,
  custom: customAssertion,
  judge: judgeAssertion,
};

export const ASSERTION_KINDS = Object.keys(BUILDERS);

/**
 * Turns an assertion as written into a check, or fails naming the case, its line and what is wrong.
 * Synchronous for the kinds that compile synchronously (all but schemas and custom modules), so the
 * evaluation's hot path does not pay a promise per assertion of every case.
 */
export function compileAssertion(spec: AssertionSpec, site: AssertionSite): CompiledAssertion | Promise<CompiledAssertion> {
  const build = BUILDERS[spec.type];
  if (!build) {
    throw new ConfigurationError(`${site.where}: unknown assertion \`${spec.type}\`. Expected one of ${ASSERTION_KINDS.map((k) => `\`${k}\``).join(', ')}.`);
  }
  if (spec.metric !== undefined && (typeof spec.metric !== 'string' || spec.metric === '')) {
    throw new ConfigurationError(`${site.where}: \`metric\` of a \`${spec.type}\` assertion must be a non-empty name.`);
  }
  const built = build(spec, site);
  // One shape for every compiled assertion, so the evaluation's reads of it stay monomorphic.
  const finish = (b: Awaited<typeof built>): CompiledAssertion => ({ type: spec.type, metric: spec.metric as string | undefined, scope: b.scope ?? 'run', check: b.check, checkCase: b.checkCase });
  return built instanceof Promise ? built.then(finish) : finish(built);
}
