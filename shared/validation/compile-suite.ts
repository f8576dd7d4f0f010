import { dirname } from 'node:path';
import { ConfigurationError } from '../errors.js';
import { compileAssertion } from './assertions/compile.js';
import type { AssertionSite, CompiledAssertion } from './assertions/types.js';
import type { RawCase, SuiteSource } from './suite.js';
import { inShard, type Shard } from './shard.js';

export interface CompiledCase extends RawCase {
  checks: CompiledAssertion[];
}

/** A case with its assertions compiled; synchronous unless one of its assertions compiles asynchronously. */
export function compileCase(c: RawCase, suiteDir: string, suitePath: string): CompiledCase | Promise<CompiledCase> {
  const site = { where: `Case \`${c.id}\` (${suitePath} line ${c.line})`, suiteDir };
  const checks: CompiledAssertion[] = [];
  for (let i = 0; i < c.assert.length; i++) {
    const compiled = compileAssertion(c.assert[i], site);
    if (compiled instanceof Promise) return compileRest(c, site, checks, compiled, i);
    checks.push(compiled);
  }
  return withChecks(c, checks);
}

async function compileRest(c: RawCase, site: AssertionSite, checks: CompiledAssertion[], pending: Promise<CompiledAssertion>, at: number): Promise<CompiledCase> {
  checks.push(await pending);
  for (let i = at + 1; i < c.assert.length; i++) checks.push(await compileAssertion(c.assert[i], site));
  return withChecks(c, checks);
}

/** The case itself with its checks added: each pass over the suite reads fresh case objects, so none is shared. */
function withChecks(c: RawCase, checks: CompiledAssertion[]): CompiledCase {
  const compiled = c as CompiledCase;
  compiled.checks = checks;
  return compiled;
}

export interface SuiteCheck {
  /** Cases in the whole suite. */
  total: number;
  /** Cases this shard will run. */
  selected: number;
  /** The assertion kinds the suite uses. */
  kinds: Set<string>;
}

/**
 * The first pass over a suite, before any request: every case parses, every assertion compiles
 * (unknown kinds, bad regexes, bad schemas, missing custom modules), and no id is used twice.
 */
export async function checkSuite(source: SuiteSource, suiteDir: string, shard?: Shard, repeats = 1): Promise<SuiteCheck> {
  const seen = new Map<string, number>();
  let selected = 0;
  const kinds = new Set<string>();
  for await (const batch of source.batches()) {
    for (const c of batch) {
      const first = seen.get(c.id);
      if (first !== undefined) {
        throw new ConfigurationError(`Suite ${source.path}: duplicate case id \`${c.id}\` at line ${c.line} (first at line ${first}). Case ids must be unique: baselines and shards pair cases by id.`);
      }
      seen.set(c.id, c.line);
      for (const a of c.assert) kinds.add(a.type);
      const rule = c.passRule ?? source.settings.passRule;
      const runs = c.repeats ?? repeats;
      if (rule?.kind === 'at-least' && rule.runs > runs) {
        throw new ConfigurationError(`Case \`${c.id}\` (${source.path} line ${c.line}): \`pass-rule: {at-least: ${rule.runs}}\` can never pass with ${runs} run(s): set \`repeats\` to ${rule.runs} or more.`);
      }
      const compiled = compileCase(c, suiteDir, source.path);
      if (compiled instanceof Promise) await compiled;
      if (inShard(c.id, shard)) selected++;
    }
  }
  if (seen.size === 0) throw new ConfigurationError(`Suite ${source.path} has no cases.`);
  return { total: seen.size, selected, kinds };
}

/**
 * The selected cases for the evaluation, in file order and in the suite's batches, each compiled when the
 * batch's iterator reaches it (a promise only when one of its assertions compiles asynchronously).
 */
export type CaseBatches = AsyncIterable<Iterable<CompiledCase | Promise<CompiledCase>>>;

export async function* compiledCases(source: SuiteSource, suiteDir: string, shard?: Shard): CaseBatches {
  for await (const batch of source.batches()) yield compileEach(batch, suiteDir, source.path, shard);
}

function* compileEach(batch: Iterable<RawCase>, suiteDir: string, suitePath: string, shard?: Shard): Generator<CompiledCase | Promise<CompiledCase>> {
  for (const c of batch) if (inShard(c.id, shard)) yield compileCase(c, suiteDir, suitePath);
}

export const suiteFolder = (suiteFile: string) => dirname(suiteFile);
