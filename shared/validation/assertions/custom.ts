import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '../../errors.js';
import { confinedPath } from '../../action/workspace.js';
import type { AssertionSite, Check, RunContext } from './types.js';
import type { AssertionSpec } from '../suite.js';

/**
 * A check of the user's own: a JS module (path relative to the suite file; ESM `.mjs`/`.js` or
 * CommonJS `.cjs`) whose default export, or `check` export (`module.exports = fn` or `{check}` in
 * CommonJS), is `(output, context) => boolean | number | {pass?, score?, reason?}` (sync or async).
 * A number is a score from 0 to 1 that passes at `threshold` (default 0.5).
 */
export type CustomCheck = (output: string, context: RunContext) => unknown;

export async function customAssertion(spec: AssertionSpec, site: AssertionSite): Promise<{ check(run: RunContext): Promise<Check> }> {
  if (typeof spec.value !== 'string') throw new ConfigurationError(`${site.where}: \`custom\` needs the path of a JS module.`);
  // Inside the workspace or RUNNER_TEMP, symlinks followed, before it is loaded.
  const file = confinedPath('custom', spec.value, { kind: 'file', base: site.suiteDir, where: `${site.where}: \`custom\`` });
  let mod: { default?: unknown; check?: unknown };
  try {
    // The path is the user's, known only at run time: the bundler must leave this import() to Node
    // (otherwise it becomes a stub that always fails). Node loads ESM and CommonJS (.cjs) alike.
    mod = await import(/* webpackIgnore: true */ pathToFileURL(file).href);
  } catch (error) {
    throw new ConfigurationError(`${site.where}: cannot load \`custom\` module '${spec.value}': ${(error as Error).message.split('\n')[0]}`);
  }
  // A CommonJS module is its `module.exports` as `default`: `{check}` and a transpiled `exports.default` sit one level down.
  const fn = checkOf(mod) ?? checkOf(mod.default);
  if (typeof fn !== 'function') throw new ConfigurationError(`${site.where}: \`custom\` module '${spec.value}' exports no function (default or \`check\`).`);
  const threshold = typeof spec.threshold === 'number' ? spec.threshold : 0.5;
  return {
    async check(run) {
      let result: unknown;
      try {
        result = await (fn as CustomCheck)(run.output, run);
      } catch (error) {
        return { pass: false, reason: `custom check threw: ${(error as Error).message}` };
      }
      return interpret(result, threshold, spec.value as string);
    },
  };
}

function checkOf(exports: unknown): unknown {
  if (typeof exports === 'function') return exports;
  const m = exports as { check?: unknown; default?: unknown } | null | undefined;
  if (typeof m?.check === 'function') return m.check;
  return typeof m?.default === 'function' ? m.default : undefined;
}

function interpret(result: unknown, threshold: number, name: string): Check {
  if (typeof result === 'boolean') return result ? { pass: true } : { pass: false, reason: `${name} returned false` };
  if (typeof result === 'number' && Number.isFinite(result)) {
    return result >= threshold ? { pass: true, score: result } : { pass: false, score: result, reason: `${name} scored ${result} < ${threshold}` };
  }
  if (typeof result === 'object' && result !== null) {
    const r = result as { pass?: unknown; score?: unknown; reason?: unknown };
    const score = typeof r.score === 'number' ? r.score : undefined;
    const pass = typeof r.pass === 'boolean' ? r.pass : score !== undefined && score >= threshold;
    return { pass, score, reason: pass ? undefined : String(r.reason ?? `${name} failed`) };
  }
  return { pass: false, reason: `${name} returned ${JSON.stringify(result)}; expected a boolean, a score or {pass, score, reason}` };
}
