import { cutToLength } from '../../text-limit.js';
import type { Judge } from '../judge.js';

/** What an assertion sees of one run of a case, and what it answers. */
export interface RunContext {
  output: string;
  latencyMs: number;
  /** Streamed answers only: time to the first piece of content, and output tokens per second after it. */
  ttftMs?: number;
  tokensPerSecond?: number;
  input: string;
  vars: Record<string, unknown>;
  caseId: string;
  /** The judge endpoint of `judge` assertions, when one is configured. */
  judge?: Judge;
}

export interface Check {
  pass: boolean;
  /** 0..1 where the assertion grades (levenshtein, topics, custom). */
  score?: number;
  /** Why it failed, short, for the summary and annotations. */
  reason?: string;
}

export interface CompiledAssertion {
  type: string;
  /** The named metric this assertion counts towards, if any. */
  metric?: string;
  /** `run`: judged on each run; `case`: judged once over all runs of the case (`consistent`). */
  scope: 'run' | 'case';
  check(run: RunContext): Check | Promise<Check>;
  /** Case scope: judged from whether all runs answered identically. */
  checkCase?(distinctOutputs: number): Check;
}

/** Where an assertion is, for error messages: ``Case `x` (suite.yaml line 12)``. */
export interface AssertionSite {
  where: string;
  /** The suite file's folder, for `custom` module paths. */
  suiteDir: string;
}

/** An output cut to a readable length for a failure reason. */
export function excerpt(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(cutToLength(one, max));
}
