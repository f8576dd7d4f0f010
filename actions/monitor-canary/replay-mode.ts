import { readFileSync } from 'node:fs';
import { ConfigurationError, errorMessage } from '../../shared/action/errors.js';
import { replayTrace, type AssessmentOptions } from '../../shared/analysis/index.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import type { MonitorReport } from './report.js';

/** Reads a trace file: a missing file or bad JSON is a configuration error naming `replay`. */
export function readTrace(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`Invalid \`replay\`: '${path}' cannot be read (${(error as { code?: string }).code ?? errorMessage(error)}). Expected the path of a trace JSON file.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`Invalid \`replay\`: '${path}' is not JSON (${errorMessage(error)}). Expected {"interval":"1m","metrics":{...}}.`);
  }
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
