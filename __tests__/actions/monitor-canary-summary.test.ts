import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../actions/monitor-canary/main.js';
import { mermaidLineChart } from '../../shared/action/summary.js';
import { runInProcess } from '../support/run-step.js';
import { TRACE_METRICS } from './monitor-canary-support.js';

/** An error-free trace, equal on both sides: nothing decides early, the trace's end passes it. Latency of the canary is missing at interval 3. */
function quietTrace(): string {
  const n = 12;
  const side = (den: number) => Array.from({ length: n }, (_, i) => ({ t: 60 * (i + 1), num: 0, den }));
  const latency = Array.from({ length: n }, (_, i) => ({ t: 60 * (i + 1), v: 200 }));
  const trace = { interval: '1m', metrics: { 'error-rate': { canary: side(50), control: side(450) }, latency: { canary: latency.map((p) => (p.t === 180 ? { t: 180, v: null } : p)), control: latency } } };
  const path = join(mkdtempSync(join(tmpdir(), 'monitor-canary-summary-')), 'quiet.json');
  writeFileSync(path, JSON.stringify(trace));
  return path;
}

describe('monitor-canary job summary', () => {
  it('does not show a metric as `watching` under a `pass` verdict, and says which chart points had no value', async () => {
    const r = await runInProcess(run, { metrics: TRACE_METRICS, replay: quietTrace() }, { env: { ACTIONS_RUNTIME_TOKEN: '' } });
    expect([r.errors, r.outputs.verdict]).toEqual([[], 'pass']);
    const rows = r.summary.split('\n').filter((l) => l.startsWith('| trace |'));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).not.toMatch(/\| watching \|$/);
    expect(rows.some((row) => row.endsWith('| no fail |'))).toBe(true);
    expect(r.summary).toContain('Drawn at 0 but without a value: canary at 3.');
    expect(r.summary).not.toContain('Intervals without a value are drawn at 0');
  });
});

describe('mermaidLineChart', () => {
  it('names the points drawn at 0 for want of a value, per line', () => {
    const chart = mermaidLineChart('x', [1, 2, 3], [
      { name: 'canary', values: [1, NaN, 3] },
      { name: 'control', values: [NaN, 2, NaN] },
    ]);
    expect(chart).toContain('line [1, 0, 3]');
    expect(chart.split('\n').at(-1)).toBe('Lines, in order: canary, control. Drawn at 0 but without a value: canary at 2; control at 1, 3.');
  });

  it('says nothing of gaps when every point has a value', () => {
    expect(mermaidLineChart('x', [1, 2], [{ name: 'a', values: [1, 2] }]).split('\n').at(-1)).toBe('Lines, in order: a.');
  });
});
