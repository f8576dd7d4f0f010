import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { setOutputs } from '../../shared/action/outputs.js';
import { appendSummary } from '../../shared/action/summary.js';
import { uploadReport } from './artifact.js';
import type { MonitorReport } from './report.js';
import { renderSummary } from './summary.js';

/** Writes the report file, sets every output, the job summary, and uploads the report as an artifact. */
export async function publish(report: MonitorReport, specs: readonly MetricSpec[], artifactName: string): Promise<string> {
  const dir = join(process.env.RUNNER_TEMP ?? tmpdir(), 'monitor-canary');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${artifactName}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  setOutputs({
    verdict: report.verdict,
    reason: report.reason,
    report: path,
    weight: report.mode === 'live' ? report.weight : undefined,
    'decided-after': report.decidedAfter,
  });
  await appendSummary(renderSummary(report, specs));
  await uploadReport(path, artifactName);
  core.info(`monitor-canary: ${report.verdict} after ${report.decidedAfter} interval(s): ${report.reason}`);
  return path;
}
