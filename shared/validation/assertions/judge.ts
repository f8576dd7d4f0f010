import { ConfigurationError } from '../../errors.js';
import { EndpointError } from '../endpoint/types.js';
import type { AssertionSite, Check, RunContext } from './types.js';
import type { AssertionSpec } from '../suite.js';

/**
 * `judge: <rubric>`: the answer graded by the judge endpoint (an LLM). Its verdict counts like any
 * assertion's (repeats, pass rules, confidence bounds); a judge that fails to answer, or answers something
 * that is not a verdict, is an endpoint error of the run, never a pass.
 */
export function judgeAssertion(spec: AssertionSpec, site: AssertionSite): { check(run: RunContext): Promise<Check> } {
  const rubric = spec.value;
  if (typeof rubric !== 'string' || rubric.trim() === '') throw new ConfigurationError(`${site.where}: \`judge\` needs a rubric: the text the answer is graded against.`);
  return {
    async check(run) {
      if (!run.judge) throw new EndpointError('no judge endpoint is configured');
      const verdict = await run.judge.grade({ rubric, input: run.input, output: run.output });
      return verdict.pass ? { pass: true } : { pass: false, reason: `the judge says: ${verdict.reason}` };
    },
  };
}
