import { readFileSync } from 'node:fs';
import { ConfigurationError, errorMessage } from '../../shared/errors.js';
import { jsonProblem, overflowingNumber } from '../../shared/parse/json.js';
import { replayTrace, type AssessmentOptions } from '../../shared/analysis/index.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import type { MonitorReport } from './report.js';

const EXPECTED = 'Expected a trace such as {"interval":"1m","metrics":{"<name>":{"canary":[...],"control":[...]}}}';

/**
 * Reads a trace file (its path confined to the workspace at the edge): a missing file, bad JSON or a number that
 * overflows is a configuration error naming `replay`, the file and the position, never quoting the file's text.
 */
export function readTrace(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`Invalid \`replay\`: '${path}' cannot be read (${(error as { code?: string }).code ?? errorMessage(error)}). Expected the path of a trace JSON file.`);
  }
  let trace: unknown;
  try {
    trace = JSON.parse(text);
  } catch (error) {
    const at = jsonProblem(text, errorMessage(error));
    throw new ConfigurationError(`Invalid \`replay\`: ${path} is not JSON: ${at.what} at line ${at.line}, column ${at.column}. ${EXPECTED}.`);
  }
  const overflow = overflowingNumber(trace);
  if (overflow) throw new ConfigurationError(`Invalid \`replay\`: ${path}, ${overflow}: a number too large for a 64-bit float (it overflows to infinity). Expected finite numbers.`);
  if (typeof trace !== 'object' || trace === null || Array.isArray(trace)) {
    throw new ConfigurationError(`Invalid \`replay\`: ${path} holds ${Array.isArray(trace) ? 'an array' : trace === null ? 'null' : `a ${typeof trace}`} at its top level. ${EXPECTED}.`);
  }
  return trace;
}

/**
 * Judges a recorded trace offline with the engine's replay: no provider, no cluster, no waiting. The trace is
 * judged as one live step as long as it is: its length is the horizon (so its end is a step's end).
 */
export function monitorReplay(path: string, specs: readonly MetricSpec[], options: AssessmentOptions): MonitorReport {
  const result = replayTrace(readTrace(path), specs, { ...options, horizonFromTrace: true, input: 'replay' });
  return {
    mode: 'replay',
    verdict: result.verdict,
    reason: result.reason,
    decidedAfter: result.decidedAfter,
    steps: [{ outcome: result.verdict, intervals: result.report.intervals, analysis: result.report }],
  };
}
