import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../actions/monitor-canary/main.js';
import { runInProcess } from '../support/run-step.js';
import { TRACE_METRICS, traceFixture } from './monitor-canary-support.js';

const fixture = traceFixture;
const metrics = TRACE_METRICS;

const replay = (trace: string, extra: Record<string, string> = {}) => runInProcess(run, { metrics, replay: fixture(trace), ...extra }, { env: { ACTIONS_RUNTIME_TOKEN: '' } });

describe('monitor-canary replay of recorded traces, end to end through the action', () => {
  // First in the file: @actions/core caches the first GITHUB_STEP_SUMMARY path it sees for the whole process.
  it('writes the full JSON report at `report`, a summary table and a Mermaid chart per metric', async () => {
    const r = await replay('trace-bad.json');
    const report = JSON.parse(readFileSync(r.outputs.report, 'utf8'));
    expect(report).toMatchObject({ mode: 'replay', verdict: 'fail', decidedAfter: Number(r.outputs['decided-after']) });
    expect(report.steps[0].analysis.metrics.map((m: { name: string }) => m.name)).toEqual(['error-rate', 'latency']);
    expect(r.summary).toContain('## monitor-canary: ❌ fail');
    expect(r.summary).toMatch(/### error-rate[\s\S]*\| step \| intervals \| canary \| control \| difference \[interval\] \| bound \| state \|/);
    expect(r.summary.match(/```mermaid/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/not uploaded: not running on GitHub Actions/);
  });

  it('judges a dry-run metric and shows it in the report and the summary, but never lets it decide', async () => {
    // trace-bad's error rate is six times its control's: as a dry run it fails alone, and the latency decides.
    const dry = metrics.replace('  max: 0.05\n', '  max: 0.05\n  dry-run: true\n');
    const r = await replay('trace-bad.json', { metrics: dry });
    expect(r.outputs.verdict).toBe('pass');
    expect(r.outputs.reason).not.toMatch(/error-rate/);
    const report = JSON.parse(readFileSync(r.outputs.report, 'utf8'));
    expect(report.steps[0].analysis.metrics[0]).toMatchObject({ name: 'error-rate', dryRun: true, critical: false, state: 'fail' });
    expect(report.steps[0].analysis.metrics[1]).toMatchObject({ name: 'latency', dryRun: false, critical: true, state: 'pass' });
    expect(r.summary).toContain('### error-rate (dry-run: judged, never decides the verdict)');
  });

  it('passes a healthy canary before the trace ends and says after how many intervals', async () => {
    const r = await replay('trace-good.json');
    expect(r.errors).toEqual([]);
    expect(r.outputs.verdict).toBe('pass');
    expect(Number(r.outputs['decided-after'])).toBeGreaterThan(0);
    expect(Number(r.outputs['decided-after'])).toBeLessThan(30);
    expect(r.outputs.weight).toBeUndefined();
  });

  it('fails a canary with six times the errors of its control early, naming the metric', async () => {
    const r = await replay('trace-bad.json');
    expect(r.outputs.verdict).toBe('fail');
    expect(r.outputs.reason).toMatch(/error-rate/);
    expect(Number(r.outputs['decided-after'])).toBeLessThan(10);
    // Replay only reports: a backtest's verdict does not fail the step.
    expect(r.failed).toBe(false);
  });

  it('never calls a canary without traffic healthy: inconclusive after the whole trace', async () => {
    const r = await replay('trace-zero-traffic.json');
    expect(r.outputs.verdict).toBe('inconclusive');
    expect(r.outputs['decided-after']).toBe('30');
  });

  it('judges the trace as one step as long as it is: no fail and enough data by its end is a pass, saying so', async () => {
    // Error-free on both sides: nothing to tell the canary's error rate from the control's early, no regression either.
    const n = 12;
    const side = (den: number) => Array.from({ length: n }, (_, i) => ({ t: 60 * (i + 1), num: 0, den }));
    const latency = Array.from({ length: n }, (_, i) => ({ t: 60 * (i + 1), v: 200 }));
    const trace = { interval: '1m', metrics: { 'error-rate': { canary: side(50), control: side(450) }, latency: { canary: latency, control: latency } } };
    const path = join(mkdtempSync(join(tmpdir(), 'monitor-canary-replay-')), 'thin.json');
    writeFileSync(path, JSON.stringify(trace));
    const r = await runInProcess(run, { metrics, replay: path }, { env: { ACTIONS_RUNTIME_TOKEN: '' } });
    expect(r.outputs.verdict).toBe('pass');
    expect(r.outputs['decided-after']).toBe(String(n));
    expect(r.outputs.reason).toBe('no regression detected over 12 intervals; evidence: error-rate data in 12/12 intervals, 600 canary requests, 5400 control requests; latency data in 12/12 intervals');
  });

  it('rejects a missing trace file and a trace that does not match the metrics, naming `replay`', async () => {
    const missing = await runInProcess(run, { metrics, replay: 'no-such-trace.json' });
    expect(missing.errors[0]).toMatch(/^Invalid `replay`: 'no-such-trace.json' does not exist \(looked for .*no-such-trace.json\)/);
    const wrongMetrics = await runInProcess(run, { metrics: metrics.replace('error-rate', 'errors'), replay: fixture('trace-good.json') });
    expect(wrongMetrics.failed).toBe(true);
    expect(wrongMetrics.errors[0]).toMatch(/`replay`/);
  });
});
