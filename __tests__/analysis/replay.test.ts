import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../../shared/errors.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import { replayTrace } from '../../shared/analysis/replay.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SPECS = parseMetricSpecs(`
- name: error-rate
  kind: ratio
  max: 0.05
  max-increase: 50%
- name: p95-latency
  kind: value
  max: 2000
  max-increase: 25%
`);

function replayError(trace: unknown): string {
  try {
    replayTrace(trace, SPECS);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('replayTrace on recorded traces', () => {
  it('passes a good canary before the trace runs out, and says when', () => {
    const r = replayTrace(fixture('good-canary.json'), SPECS);
    expect(r.verdict).toBe('pass');
    expect(r.decidedAfter).toBeLessThan(15);
    expect(r.report).toMatchObject({ verdict: 'pass', decided: true, decidedAfter: r.decidedAfter, intervals: r.decidedAfter, falseAlarmRate: 0.01 });
  });

  it('fails a canary with 4x the errors early, naming the metric', () => {
    const r = replayTrace(fixture('bad-error-rate.json'), SPECS);
    expect(r.verdict).toBe('fail');
    expect(r.decidedAfter).toBeLessThanOrEqual(3);
    expect(r.reason).toMatch(/^error-rate: canary 0\.\d+% vs control 0\.\d+%; ratio ×[\d.]+ \[×[\d.]+, ×[\d.]+\] vs allowed ×1\.5: above it, and the interval wholly above ×1\.\d+, after [1-3] intervals?$/);
  });

  it('fails a canary twice as slow, with the evidence in the report', () => {
    const r = replayTrace(fixture('bad-latency.json'), SPECS);
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/^p95-latency: /);
    const latency = r.report.metrics.find((m) => m.name === 'p95-latency')!;
    const check = latency.checks.find((c) => c.bound === 'max-increase')!;
    expect(check.decision).toBe('fail');
    expect(check.lower!).toBeGreaterThan(1.25);
    expect(check.estimate!).toBeGreaterThan(1.8);
    expect(latency.series).toHaveLength(r.decidedAfter);
  });

  it('ends inconclusive when a metric has no data (default policy), not pass and not fail', () => {
    const r = replayTrace(fixture('empty-latency.json'), SPECS);
    expect(r).toMatchObject({ verdict: 'inconclusive', decidedAfter: 8 });
    expect(r.reason).toBe('p95-latency: no evidence after 8 intervals (8 empty)');
  });

  it('fails an empty metric at once under on-missing-data: fail', () => {
    const r = replayTrace(fixture('empty-latency.json'), SPECS, { onMissingData: 'fail' });
    expect(r).toMatchObject({ verdict: 'fail', decidedAfter: 1 });
  });

  it('takes zero traffic as no evidence: inconclusive', () => {
    const r = replayTrace(fixture('zero-traffic.json'), SPECS);
    expect(r.verdict).toBe('inconclusive');
    expect(r.report.metrics[0].counts['no-traffic']).toBe(8);
  });

  it('fails when the provider is down longer than the consecutive-error limit', () => {
    const r = replayTrace(fixture('provider-outage.json'), SPECS);
    expect(r).toMatchObject({ verdict: 'fail', decidedAfter: 7 });
    expect(r.reason).toContain('provider error in 5 intervals in a row');
  });

  it('stops at a horizon shorter than the trace', () => {
    expect(replayTrace(fixture('zero-traffic.json'), SPECS, { horizon: 3 }).decidedAfter).toBe(3);
  });

  it('judges a 30-interval trace with raw samples without waiting', () => {
    const trace = { interval: '1m', metrics: { 'error-rate': { canary: [] as object[], control: [] as object[] }, 'p95-latency': { canary: [] as object[], control: [] as object[] } } };
    for (let i = 1; i <= 30; i++) {
      trace.metrics['error-rate'].canary.push({ t: i * 60, num: 1, den: 100 });
      trace.metrics['error-rate'].control.push({ t: i * 60, num: 9, den: 900 });
      const s = Array.from({ length: 200 }, (_, k) => 100 + ((k * 37) % 200));
      trace.metrics['p95-latency'].canary.push({ t: i * 60, v: s });
      trace.metrics['p95-latency'].control.push({ t: i * 60, v: s });
    }
    const r = replayTrace(JSON.stringify(trace), SPECS);
    expect(r.decidedAfter).toBeLessThanOrEqual(30);
    expect(['pass', 'inconclusive']).toContain(r.verdict);
  });
});

describe('replayTrace refuses invalid traces with clear errors', () => {
  const ok = (n = 2) => Array.from({ length: n }, (_, i) => ({ t: 60 * (i + 1), num: 1, den: 100 }));
  const okV = (n = 2) => Array.from({ length: n }, (_, i) => ({ t: 60 * (i + 1), v: 200 }));
  const trace = (over: Record<string, unknown> = {}) => ({ interval: '1m', metrics: { 'error-rate': { canary: ok(), control: ok() }, 'p95-latency': { canary: okV(), control: okV() }, ...over } });

  it.each([
    ['bad JSON', '{"interval": "1m", "metrics": {', /^Invalid `replay`: not valid JSON: .+ at line \d+, column \d+\. Expected \{"interval":"1m"/],
    ['no metrics object', { interval: '1m' }, /has no `metrics` object/],
    ['a bad interval', { ...trace(), interval: 'soon' }, /^Invalid `replay.interval`: 'soon'\. Expected a positive duration/],
    ['an unknown metric', trace({ latency: { canary: okV(), control: okV() } }), "Invalid `replay`: the trace has metric 'latency', which is not in `metrics`. Expected one of 'error-rate', 'p95-latency'."],
    ['a metric missing from the trace', { metrics: { 'error-rate': { canary: ok(), control: ok() } } }, "the trace has no series for metric 'p95-latency'"],
    ['mismatched lengths', trace({ 'error-rate': { canary: ok(3), control: ok(2) } }), 'metrics.error-rate.control has 2 entries but metrics.error-rate.canary has 3. Expected one entry per interval everywhere'],
    ['lengths differing between metrics', trace({ 'p95-latency': { canary: okV(3), control: okV(3) } }), 'metrics.p95-latency.canary has 3 entries but metrics.error-rate.canary has 2'],
    ['a value entry on a ratio metric', trace({ 'error-rate': { canary: okV(), control: ok() } }), "metrics.error-rate.canary[0] has `v` but 'error-rate' is a ratio metric. Expected `num` and `den`"],
    ['num above den', trace({ 'error-rate': { canary: [{ t: 60, num: 5, den: 2 }, { t: 120, num: 0, den: 1 }], control: ok() } }), 'metrics.error-rate.canary[0]: `num` 5 is more than `den` 2'],
    ['negative counts', trace({ 'error-rate': { canary: [{ t: 60, num: -1, den: 2 }, { t: 120, num: 0, den: 1 }], control: ok() } }), "`num` -1, `den` 2. Expected counts of 0 or more"],
    ['a bad v', trace({ 'p95-latency': { canary: [{ t: 60, v: 'fast' }, { t: 120, v: 1 }], control: okV() } }), "metrics.p95-latency.canary[0]: `v` is a string. Expected a number, null, or an array of numbers (raw samples)"],
    ['times going back', trace({ 'p95-latency': { canary: [{ t: 120, v: 1 }, { t: 60, v: 1 }], control: okV() } }), 'metrics.p95-latency.canary[1]: `t` 60 does not come after 120. Expected increasing times'],
    ['canary and control at different times', trace({ 'p95-latency': { canary: [{ t: 60, v: 1 }, { t: 180, v: 1 }], control: okV() } }), 'metrics.p95-latency: canary[1].t is 180 but control[1].t is 120. Expected the same interval times'],
    ['an empty trace', trace({ 'error-rate': { canary: [], control: [] }, 'p95-latency': { canary: [], control: [] } }), 'the trace has no intervals'],
  ])('refuses %s', (_name, input, expected) => {
    const message = replayError(input);
    if (typeof expected === 'string') expect(message).toContain(expected);
    else expect(message).toMatch(expected);
  });

  it('names the input it was given', () => {
    expect(() => replayTrace('nope', SPECS, { input: 'replay-file' })).toThrow(/^Invalid `replay-file`: not valid JSON/);
  });
});
