/** The analysis engine: parse metric specs, evaluate intervals, assess over intervals, replay traces. */
export { parseMetricSpecs } from './metric-spec-parse.js';
export { evaluateInterval, allowedRatio, type IntervalEvaluation, type MetricInterval, type BoundName } from './evaluate.js';
export { Assessment, type AssessmentOptions, type Decision, type Verdict } from './assessment.js';
export { heartbeat, type AnalysisReport, type MetricReport } from './report.js';
export { parseTrace, type ParsedTrace } from './trace.js';
export { replayTrace, type ReplayOptions, type ReplayResult } from './replay.js';
export { formatCheck, formatLevel, formatDifference } from './format.js';
export type { CheckEvidence } from './metric-evidence.js';
