/**
 * Analysis cost: intervals judged per second over a 10,000-interval trace (both metrics: error counts and
 * 200 raw latency samples per target and interval). The reference, measured in the same run, is reading and
 * checking the same trace (`parseTrace`): the analysis should cost about as much as reading its input.
 * Once a decision is reached the assessment starts over, so every interval is judged.
 */
import { Assessment } from '../shared/analysis/assessment.js';
import { parseTrace } from '../shared/analysis/trace.js';
import { Rng } from './analysis/rng.js';
import { generateTrace, HORIZON, SCENARIOS, SPECS, type Trace } from './analysis/scenarios.js';

const INTERVALS = 10_000;
const rng = new Rng(42);
const healthy = SCENARIOS.find((s) => s.name === 'healthy')!;
const trace: Trace = { interval: '1m', metrics: { 'error-rate': { canary: [], control: [] }, 'p95-latency': { canary: [], control: [] } } };
for (let block = 0; block * HORIZON < INTERVALS; block++) {
  const part = generateTrace(healthy, rng);
  for (const [name, series] of Object.entries(part.metrics)) {
    for (const side of ['canary', 'control'] as const) {
      for (const e of series[side]) trace.metrics[name][side].push({ ...e, t: (e.t as number) + block * HORIZON * 60 });
    }
  }
}
for (const series of Object.values(trace.metrics)) for (const side of ['canary', 'control'] as const) series[side].length = INTERVALS;
const text = JSON.stringify(trace);

/**
 * Timed runs, each reading the trace and then judging what it read (a fresh parse: what an interval's samples
 * give, the percentile and the ranks around it, is kept per samples array, so a reused trace would skip that
 * work). Reading and judging alternate so both see the same machine; reading this much JSON varies by a third
 * from run to run with the GC, so the ratio kept is the median of the runs' own ratios.
 */
const RUNS = 7;
let decisions = 0;
const runs: { readMs: number; judgeMs: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const { intervals } = parseTrace(text, SPECS);
  const t1 = performance.now();
  decisions = 0;
  let a = new Assessment(SPECS);
  for (const interval of intervals) {
    if (a.add(interval).decided) {
      decisions++;
      a = new Assessment(SPECS);
    }
  }
  runs.push({ readMs: t1 - t0, judgeMs: performance.now() - t1 });
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const judgeMs = median(runs.map((r) => r.judgeMs));
const readMs = median(runs.map((r) => r.readMs));
const ratio = median(runs.map((r) => r.judgeMs / r.readMs));
const perSecond = (INTERVALS / judgeMs) * 1000;
console.log(`trace: ${INTERVALS} intervals, ${(text.length / 1e6).toFixed(1)} MB of JSON; ${decisions} decisions reached (the assessment restarts after each)`);
console.log(`judging: ${Math.round(perSecond)} intervals/s (${((judgeMs / INTERVALS) * 1000).toFixed(1)} µs per interval); a 30-interval replay takes about ${((judgeMs / INTERVALS) * 30).toFixed(2)} ms`);
console.log(`analysis vs reading the trace: ${judgeMs.toFixed(2)} ms vs reference ${readMs.toFixed(2)} ms (medians); ratio ${ratio.toFixed(2)} (median of the ${RUNS} runs' ratios; target about 1 or less: never the bottleneck)`);
