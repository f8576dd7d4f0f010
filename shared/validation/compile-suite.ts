import { dirname } from 'node:path';
import { ConfigurationError } from '../action/errors.js';
import { compileAssertion } from './assertions/compile.js';
import type { CompiledAssertion } from './assertions/types.js';
import type { RawCase, SuiteSource } from './suite.js';
import { inShard, type Shard } from './shard.js';

export interface CompiledCase extends RawCase {
  checks: CompiledAssertion[];
}

export async function compileCase(c: RawCase, suiteDir: string, suitePath: string): Promise<CompiledCase> {
  const site = { where: `Case \`${c.id}\` (${suitePath} line ${c.line})`, suiteDir };
  const checks: CompiledAssertion[] = [];
  for (const spec of c.assert) checks.push(await compileAssertion(spec, site));
  return { ...c, checks };
}

export interface SuiteCheck {
  /** Cases in the whole suite. */
  total: number;
  /** Cases this shard will run. */
  selected: number;
}

/**
 * The first pass over a suite, before any request: every case parses, every assertion compiles
 * (unknown kinds, bad regexes, bad schemas, missing custom modules), and no id is used twice.
 */
export async function checkSuite(source: SuiteSource, suiteDir: string, shard?: Shard): Promise<SuiteCheck> {
  const seen = new Map<string, number>();
  let selected = 0;
  for await (const c of source.cases()) {
    const first = seen.get(c.id);
    if (first !== undefined) {
      throw new ConfigurationError(`Suite ${source.path}: duplicate case id \`${c.id}\` at line ${c.line} (first at line ${first}). Case ids must be unique: baselines and shards pair cases by id.`);
    }
    seen.set(c.id, c.line);
    await compileCase(c, suiteDir, source.path);
    if (inShard(c.id, shard)) selected++;
  }
  if (seen.size === 0) throw new ConfigurationError(`Suite ${source.path} has no cases.`);
  return { total: seen.size, selected };
}

/** The selected cases, compiled, streamed in file order for the evaluation. */
export async function* compiledCases(source: SuiteSource, suiteDir: string, shard?: Shard): AsyncIterable<CompiledCase> {
  for await (const c of source.cases()) if (inShard(c.id, shard)) yield compileCase(c, suiteDir, source.path);
}

export const suiteFolder = (suiteFile: string) => dirname(suiteFile);
