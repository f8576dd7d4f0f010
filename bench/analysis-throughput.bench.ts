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
import { medianMs, report } from './support.js';

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

let decisions = 0;
const readMs = await medianMs(() => parseTrace(text, SPECS), 3);
// Each timed pass judges a trace parsed just before it, outside the timing: what an interval's samples give
// (the percentile and the ranks around it) is kept per samples array, so a reused trace would skip that work.
const judgeTimes: number[] = [];
for (let run = 0; run < 3; run++) {
  const { intervals } = parseTrace(text, SPECS);
  const t = performance.now();
  decisions = 0;
  let a = new Assessment(SPECS);
  for (const interval of intervals) {
    if (a.add(interval).decided) {
      decisions++;
      a = new Assessment(SPECS);
    }
  }
  judgeTimes.push(performance.now() - t);
}
const judgeMs = judgeTimes.sort((x, y) => x - y)[1];
const perSecond = (INTERVALS / judgeMs) * 1000;
console.log(`trace: ${INTERVALS} intervals, ${(text.length / 1e6).toFixed(1)} MB of JSON; ${decisions} decisions reached (the assessment restarts after each)`);
console.log(`judging: ${Math.round(perSecond)} intervals/s (${((judgeMs / INTERVALS) * 1000).toFixed(1)} µs per interval); a 30-interval replay takes about ${((judgeMs / INTERVALS) * 30).toFixed(2)} ms`);
report('analysis vs reading the trace', judgeMs, readMs, 'ms', 'about 1 or less: never the bottleneck');
