import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseMetricSpecs } from '../../shared/analysis/index.js';
import { PrometheusProvider } from '../../shared/metrics/prometheus/measure.js';
import { stepJudges } from '../../actions/monitor-canary/engine.js';
import { CancelGuard, sleep } from '../../actions/monitor-canary/cancel.js';
import { runLive, type LiveDeps } from '../../actions/monitor-canary/live.js';
import { prometheusUrl } from '../metrics/support/servers.js';
import { alignedNow, counter, pushHistory, uniqueApp } from '../metrics/support/prometheus-history.js';

// The live loop against the real Prometheus and the real engine, on a backfilled hour: the clock is
// the history's (each wait moves it one interval on), the weights are recorded where the router would be.
const INTERVAL_MS = 60_000;
const app = uniqueApp('live');
const end = alignedNow();
const from = end - 3600;
let url: string;

function specs() {
  return parseMetricSpecs(
    `- name: error-rate
  kind: ratio
  query: sum(increase(http_requests_total{app="${app}",version="{{target}}",code="500"}[{{interval}}]))
  total: sum(increase(http_requests_total{app="${app}",version="{{target}}"}[{{interval}}]))
  max-increase: 50%`,
    'metrics',
    'prometheus',
  );
}

function deps(canary: string, weights: number[], lines: string[], signal?: AbortSignal, horizons: number[] = []): LiveDeps {
  let clock = (from + 120) * 1000;
  const metricSpecs = specs();
  const judges = stepJudges(metricSpecs, { falseAlarmRate: 0.01 }, 3);
  return {
    provider: new PrometheusProvider({ url, retry: { attempts: 2, firstDelayMs: 10 } }),
    router: { setWeight: async (w) => void weights.push(w) },
    specs: metricSpecs,
    targets: { canary, control: 'stable' },
    // As main.ts wires it: each step's judge knows the step's horizon and gets its share of the false-alarm rate.
    newJudge: (horizon) => (horizons.push(horizon), judges(horizon)),
    log: (line) => lines.push(line),
    signal,
    now: () => clock,
    wait: async (ms, s) => {
      if (s?.aborted) throw s.reason;
      clock += ms;
    },
  };
}

beforeAll(async () => {
  url = await prometheusUrl();
  const per = (version: string, code: string, n: number) => counter({ __name__: 'http_requests_total', app, version, code }, from, end, () => n);
  await pushHistory(url, [per('stable', '200', 990), per('stable', '500', 10), per('good', '200', 990), per('good', '500', 10), per('bad', '200', 900), per('bad', '500', 100), per('idle', '200', 0)]);
});

describe('monitor-canary live stepping', () => {
  it('moves to the next weight as soon as a step passes, and passes after the last one', async () => {
    const weights: number[] = [];
    const lines: string[] = [];
    const result = await runLive({ steps: [10, 25, 50], intervalMs: INTERVAL_MS, stepDurationMs: 20 * INTERVAL_MS }, deps('good', weights, lines));
    expect(result.verdict).toBe('pass');
    expect(weights).toEqual([10, 25, 50]);
    expect(result.steps.map((s) => s.outcome)).toEqual(['pass', 'pass', 'pass']);
    // Early: each step ended before its 20 intervals.
    for (const s of result.steps) expect(s.intervals).toBeLessThan(20);
    // Three steps, each with a third of the 1%: a healthy canary fails the walk at most 1% of the time.
    for (const s of result.steps) expect(s.analysis.falseAlarmRate).toBeCloseTo(0.01 / 3, 12);
    expect(lines.filter((l) => /^interval \d+ weight \d+%: error-rate /.test(l))).toHaveLength(result.decidedAfter);
  });

  it('stops at the first step when the canary is clearly worse, without raising its weight', async () => {
    const weights: number[] = [];
    const result = await runLive({ steps: [10, 25, 50], intervalMs: INTERVAL_MS, stepDurationMs: 20 * INTERVAL_MS }, deps('bad', weights, []));
    expect(result.verdict).toBe('fail');
    expect(weights).toEqual([10]);
    expect(result.reason).toMatch(/^at 10%: error-rate/);
    expect(result.decidedAfter).toBeLessThan(5);
  });

  it('ends a step without traffic inconclusive when its time is up (its horizon, floor(step-duration / interval)), and goes no further', async () => {
    const weights: number[] = [];
    const horizons: number[] = [];
    const result = await runLive({ steps: [10, 25], intervalMs: INTERVAL_MS, stepDurationMs: 5.5 * INTERVAL_MS }, deps('idle', weights, [], undefined, horizons));
    expect(result.verdict).toBe('inconclusive');
    expect(result.reason).toMatch(/^at 10%: error-rate: no evidence after 5 intervals \(5 (empty|without traffic)\)$/);
    expect(weights).toEqual([10]);
    expect(horizons).toEqual([5]);
    expect(result.decidedAfter).toBe(5);
  });

  it('stops mid-analysis when the run is cancelled (SIGTERM)', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const guard = new CancelGuard();
    const weights: number[] = [];
    const d = deps('good', weights, []);
    const wait = d.wait!;
    let waits = 0;
    d.wait = async (ms, s) => {
      if (++waits === 2) process.emit('SIGTERM', 'SIGTERM');
      return wait(ms, s);
    };
    d.signal = guard.signal;
    try {
      await expect(runLive({ steps: [10, 25], intervalMs: INTERVAL_MS, stepDurationMs: 20 * INTERVAL_MS }, d)).rejects.toThrow(/Cancelled by SIGTERM/);
    } finally {
      guard.dispose();
    }
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });

  it('sleep wakes up at once when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
  });
});
