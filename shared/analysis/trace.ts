import { ConfigurationError } from '../errors.js';
import { jsonProblem } from '../parse/json.js';
import { parseDuration } from '../parse/duration.js';
import type { IntervalMeasurements, Measurement } from './measurement.js';
import type { MetricSpec } from './metric-spec.js';

/** A recorded analysis: per metric, one entry per interval for the canary and for its control. */
export interface ParsedTrace {
  intervalMs: number;
  intervals: IntervalMeasurements[];
}

type Fail = (message: string) => ConfigurationError;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** What a value of the file is, never its text (an error must not print a file's contents). */
function show(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'a number out of range';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * One entry to a Measurement. Ratio: `{"t","num","den"}` (`den: 0` is no traffic, `num`/`den` null is empty).
 * Value: `{"t","v"}` with v a number, null (empty) or an array of raw samples ([] is empty).
 * Either: `{"t","error":"message"}` is a provider error.
 */
/**
 * A histogram entry: `{"t","buckets":{"0.1":12,"0.25":40,...,"+Inf":57}}`, cumulative counts by `le` as Prometheus
 * gives them (`+Inf`: every request; `buckets: null` is empty; a `+Inf` of 0 is no traffic).
 */
function histogramEntry(spec: MetricSpec, raw: Record<string, unknown>, where: string, fail: Fail): Measurement {
  const example = '{"t":60,"buckets":{"0.1":12,"0.25":40,"+Inf":57}}';
  if (raw.v !== undefined || raw.num !== undefined) throw fail(`${where} has \`${raw.v !== undefined ? 'v' : 'num'}\` but '${spec.name}' is a histogram metric. Expected cumulative bucket counts such as ${example}`);
  const buckets = raw.buckets;
  if (buckets === null || buckets === undefined) return { status: 'empty' };
  if (!isObject(buckets)) throw fail(`${where}: \`buckets\` is ${show(buckets)}. Expected cumulative counts by \`le\` such as ${example}`);
  const entries = Object.entries(buckets).map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), label: le, count }));
  for (const e of entries) {
    if (Number.isNaN(e.le) || !(e.le > 0)) throw fail(`${where}: bucket \`${e.label}\` is not an upper bound. Expected numbers such as "0.25" and "+Inf"`);
    if (typeof e.count !== 'number' || !Number.isFinite(e.count) || e.count < 0) throw fail(`${where}: bucket \`${e.label}\` holds ${show(e.count)}. Expected a count of 0 or more`);
  }
  entries.sort((a, b) => a.le - b.le);
  if (entries[entries.length - 1]?.le !== Infinity) throw fail(`${where}: no "+Inf" bucket. Expected every bucket, "+Inf" (all requests) included, such as ${example}`);
  for (let i = 1; i < entries.length; i++) {
    if ((entries[i].count as number) < (entries[i - 1].count as number)) throw fail(`${where}: bucket \`${entries[i].label}\` (${entries[i].count}) holds fewer than \`${entries[i - 1].label}\` (${entries[i - 1].count}). Expected cumulative counts, as Prometheus gives them`);
  }
  const counts = entries.map((e) => e.count as number);
  if (!(counts[counts.length - 1] > 0)) return { status: 'no-traffic' };
  return { status: 'ok', observation: { kind: 'histogram', bounds: entries.map((e) => e.le), counts } };
}

function entry(spec: MetricSpec, raw: unknown, where: string, fail: Fail): { t: number; m: Measurement } {
  if (!isObject(raw)) throw fail(`${where} is ${show(raw)}. Expected an object such as ${spec.kind === 'ratio' ? '{"t":60,"num":3,"den":1200}' : '{"t":60,"v":212}'}`);
  const t = raw.t;
  if (typeof t !== 'number' || !Number.isFinite(t)) throw fail(`${where}: \`t\` is ${show(t)}. Expected the interval's time in seconds (a number)`);
  if (typeof raw.error === 'string') return { t, m: { status: 'error', message: raw.error } };
  if (spec.kind === 'ratio') {
    const { num, den } = raw;
    if (raw.v !== undefined) throw fail(`${where} has \`v\` but '${spec.name}' is a ratio metric. Expected \`num\` and \`den\``);
    if (num === null || den === null || (num === undefined && den === undefined)) return { t, m: { status: 'empty' } };
    const count = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!count(num) || !count(den)) throw fail(`${where}: \`num\` ${show(num)}, \`den\` ${show(den)}. Expected counts of 0 or more`);
    if ((num as number) > (den as number)) throw fail(`${where}: \`num\` ${num} is more than \`den\` ${den}. Expected bad events out of all events`);
    if (den === 0) return { t, m: { status: 'no-traffic' } };
    return { t, m: { status: 'ok', observation: { kind: 'ratio', num: num as number, den: den as number } } };
  }
  if (spec.kind === 'histogram') return { t, m: histogramEntry(spec, raw, where, fail) };
  if (raw.num !== undefined || raw.den !== undefined) throw fail(`${where} has \`num\`/\`den\` but '${spec.name}' is a value metric. Expected \`v\``);
  const v = raw.v;
  if (v === null || v === undefined) return { t, m: { status: 'empty' } };
  if (typeof v === 'number' && Number.isFinite(v)) return { t, m: { status: 'ok', observation: { kind: 'value', samples: [v] } } };
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return { t, m: v.length ? { status: 'ok', observation: { kind: 'value', samples: v as number[] } } : { status: 'empty' } };
  }
  throw fail(`${where}: \`v\` is ${show(v)}. Expected a number, null, or an array of numbers (raw samples)`);
}

/**
 * Parses and checks a recorded trace (JSON text or the parsed value) against the metrics it is judged with:
 * `{"interval":"1m","metrics":{"<name>":{"canary":[...],"control":[...]}}}`. Errors name the input, the metric,
 * the entry and what was expected.
 */
export function parseTrace(trace: unknown, specs: readonly MetricSpec[], input = 'replay'): ParsedTrace {
  const fail: Fail = (message) => new ConfigurationError(`Invalid \`${input}\`: ${message}.`);
  let value = trace;
  if (typeof trace === 'string') {
    try {
      value = JSON.parse(trace);
    } catch (error) {
      const at = jsonProblem(trace, (error as Error).message);
      throw fail(`not valid JSON: ${at.what} at line ${at.line}, column ${at.column}. Expected {"interval":"1m","metrics":{"<name>":{"canary":[...],"control":[...]}}}`);
    }
  }
  if (!isObject(value) || !isObject(value.metrics)) {
    throw fail(`its top level (${show(value)}) has no \`metrics\` object. Expected {"interval":"1m","metrics":{"<name>":{"canary":[...],"control":[...]}}}`);
  }
  const intervalMs = value.interval === undefined ? 60_000 : typeof value.interval === 'string' ? parseDuration(value.interval, `${input}.interval`) : NaN;
  if (Number.isNaN(intervalMs)) throw fail(`\`interval\` is ${show(value.interval)}. Expected a duration such as "1m"`);
  const known = specs.map((s) => s.name);
  for (const name of Object.keys(value.metrics)) {
    if (!known.includes(name)) throw fail(`the trace has metric '${name}', which is not in \`metrics\`. Expected one of ${known.map((k) => `'${k}'`).join(', ')}`);
  }
  let length: number | undefined;
  let lengthFrom = '';
  const columns = specs.map((spec) => {
    const series = (value.metrics as Record<string, unknown>)[spec.name];
    if (!isObject(series)) throw fail(`the trace has no series for metric '${spec.name}'. Expected {"canary":[...],"control":[...]} under metrics.${spec.name}`);
    const sides = (['canary', 'control'] as const).map((side) => {
      const list = series[side];
      if (!Array.isArray(list)) throw fail(`metrics.${spec.name}.${side} is ${show(list)}. Expected an array of entries`);
      if (length === undefined) [length, lengthFrom] = [list.length, `metrics.${spec.name}.${side}`];
      if (list.length !== length) throw fail(`metrics.${spec.name}.${side} has ${list.length} entries but ${lengthFrom} has ${length}. Expected one entry per interval everywhere`);
      let last = -Infinity;
      return list.map((raw, i) => {
        const e = entry(spec, raw, `metrics.${spec.name}.${side}[${i}]`, fail);
        if (e.t <= last) throw fail(`metrics.${spec.name}.${side}[${i}]: \`t\` ${e.t} does not come after ${last}. Expected increasing times`);
        last = e.t;
        return e;
      });
    });
    sides[0].forEach((c, i) => {
      if (c.t !== sides[1][i].t) throw fail(`metrics.${spec.name}: canary[${i}].t is ${c.t} but control[${i}].t is ${sides[1][i].t}. Expected the same interval times`);
    });
    return { spec, canary: sides[0], control: sides[1] };
  });
  if (!length) throw fail('the trace has no intervals. Expected at least one entry per series');
  const intervals: IntervalMeasurements[] = [];
  for (let i = 0; i < length; i++) {
    const metrics: IntervalMeasurements['metrics'] = {};
    for (const col of columns) metrics[col.spec.name] = { canary: col.canary[i].m, control: col.control[i].m };
    intervals.push({ t: columns[0].canary[i].t, metrics });
  }
  return { intervalMs, intervals };
}
