import { ConfigurationError, quote } from '../action/errors.js';
import { parseYamlBlock } from '../parse/yaml.js';
import type { Direction, MetricKind, MetricSpec, MissingDataPolicy } from './metric-spec.js';

export type MetricProvider = 'prometheus' | 'cloudwatch';

const FIELDS = [
  'name', 'kind', 'query', 'total', 'max', 'min', 'max-increase', 'direction',
  'namespace', 'metric', 'dimensions', 'stat', 'on-missing-data', 'critical',
] as const;
const KINDS: readonly MetricKind[] = ['ratio', 'value'];
const DIRECTIONS: readonly Direction[] = ['lower-is-better', 'higher-is-better'];
const POLICIES: readonly MissingDataPolicy[] = ['inconclusive', 'fail', 'ignore'];
const STATS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'];
const PERCENTILE = /^p(\d{1,2}(\.\d+)?)$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TARGET = '{{target}}';

function list(choices: readonly string[]): string {
  return choices.map((c) => `\`${c}\``).join(', ');
}

function show(value: unknown): string {
  return typeof value === 'string' ? quote(value) : quote(JSON.stringify(value) ?? String(value));
}

/** Builds errors that name the input, the metric, the field, the value and what was expected. */
class Where {
  constructor(private readonly input: string, private readonly label: string) {}
  error(message: string): ConfigurationError {
    return new ConfigurationError(`Invalid \`${this.input}\`: ${this.label}: ${message}`);
  }
  field(field: string, value: unknown, expected: string): ConfigurationError {
    return this.error(`\`${field}\` is ${show(value)}. Expected ${expected}.`);
  }
}

function text(where: Where, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw where.field(field, value, 'a non-empty string');
  return value.trim();
}

function number(where: Where, field: string, value: unknown, kind: MetricKind): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw where.field(field, value, 'a number');
  if (kind === 'ratio' && (n < 0 || n > 1)) throw where.field(field, value, 'a fraction from 0 to 1 for a ratio metric (5% is 0.05)');
  return n;
}

function fraction(where: Where, value: unknown): number {
  const expected = 'a percentage such as `50%` or a fraction such as 0.5, greater than 0';
  let n = NaN;
  if (typeof value === 'number') n = value > 10 ? NaN : value;
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(value)) n = Number(value.replace('%', '')) / 100;
  else if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) && Number(value) <= 10) n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw where.field('max-increase', value, expected);
  return n;
}

function choice<T extends string>(where: Where, field: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value.trim())) return value.trim() as T;
  throw where.field(field, value, `one of ${list(choices)}`);
}

function stat(where: Where, value: unknown): string {
  const v = typeof value === 'string' ? value.trim() : '';
  const named = STATS.find((s) => s.toLowerCase() === v.toLowerCase());
  if (named) return named;
  const p = PERCENTILE.exec(v);
  if (p && Number(p[1]) > 0 && Number(p[1]) < 100) return v;
  throw where.field('stat', value, `one of ${list(STATS)} or a percentile \`p50\`..\`p99.9\``);
}

function withTarget(where: Where, field: string, value: string): string {
  if (!value.includes(TARGET)) {
    throw where.field(field, value, `a query containing \`${TARGET}\` (replaced by canary and stable/baseline so both targets are measured)`);
  }
  return value;
}

function dimensions(where: Where, value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw where.field('dimensions', value, 'a mapping of dimension names to values, such as `{Version: "{{target}}"}`');
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw where.field(`dimensions.${k}`, v, 'a string');
    out[k] = String(v);
  }
  if (!Object.values(out).some((v) => v.includes(TARGET))) {
    throw where.field('dimensions', value, `at least one dimension value containing \`${TARGET}\` (it tells canary from stable)`);
  }
  return out;
}

function parseOne(raw: unknown, index: number, input: string, provider: MetricProvider | undefined): MetricSpec {
  const position = `item ${index + 1}`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigurationError(`Invalid \`${input}\`: ${position} is ${show(raw)}. Expected a mapping with \`name\`, \`kind\` and bounds.`);
  }
  const entry = raw as Record<string, unknown>;
  const rawName = entry.name;
  const where0 = new Where(input, position);
  const name = text(where0, 'name', rawName);
  if (!NAME.test(name)) throw where0.field('name', rawName, 'letters, digits, `-`, `_` or `.` (it names the metric in reports)');
  const where = new Where(input, `metric '${name}' (${position})`);
  for (const key of Object.keys(entry)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw where.error(`unknown field \`${key}\`. Expected one of ${list(FIELDS)}.`);
  }
  if (entry.kind === undefined) throw where.error(`\`kind\` is missing. Expected one of ${list(KINDS)}.`);
  const kind = choice(where, 'kind', entry.kind, KINDS);
  const spec: MetricSpec = { name, kind, direction: 'lower-is-better' };
  if (entry.direction !== undefined) spec.direction = choice(where, 'direction', entry.direction, DIRECTIONS);
  if (entry['on-missing-data'] !== undefined) spec.onMissingData = choice(where, 'on-missing-data', entry['on-missing-data'], POLICIES);
  if (entry.critical !== undefined) {
    const c = entry.critical;
    if (typeof c === 'boolean') spec.critical = c;
    else if (c === 'true' || c === 'false') spec.critical = c === 'true';
    else throw where.field('critical', c, '`true` or `false`');
  }
  if (entry.max !== undefined) spec.max = number(where, 'max', entry.max, kind);
  if (entry.min !== undefined) spec.min = number(where, 'min', entry.min, kind);
  if (spec.max !== undefined && spec.min !== undefined && spec.min > spec.max) {
    throw where.field('min', entry.min, `a value at most \`max\` (${spec.max})`);
  }
  if (entry['max-increase'] !== undefined) {
    spec.maxIncrease = fraction(where, entry['max-increase']);
    if (spec.direction === 'higher-is-better' && spec.maxIncrease >= 1) {
      throw where.field('max-increase', entry['max-increase'], 'less than 100% for a higher-is-better metric (it is the allowed drop)');
    }
  }
  if (spec.max === undefined && spec.min === undefined && spec.maxIncrease === undefined) {
    throw where.error('no bound to judge it by. Expected at least one of `max`, `min` or `max-increase`.');
  }
  if (entry.stat !== undefined) spec.stat = stat(where, entry.stat);

  const promStyle = entry.query !== undefined;
  const cwStyle = entry.namespace !== undefined || entry.metric !== undefined || entry.dimensions !== undefined;
  if (promStyle && cwStyle) throw where.error('both `query` (prometheus) and `namespace`/`metric` (cloudwatch) are set. Expected one of them.');
  if (provider === 'prometheus' && !promStyle) throw where.error('`query` is missing. Expected a PromQL query containing `{{target}}` (provider prometheus).');
  if (provider === 'cloudwatch' && !cwStyle) throw where.error('`namespace` and `metric` are missing. Expected a CloudWatch metric (provider cloudwatch).');
  if (provider === 'prometheus' && entry.stat !== undefined) {
    throw where.field('stat', entry.stat, 'no `stat` with provider prometheus (the query computes the value, e.g. with histogram_quantile)');
  }
  if (promStyle) {
    spec.query = withTarget(where, 'query', text(where, 'query', entry.query));
    if (entry.total !== undefined) spec.total = withTarget(where, 'total', text(where, 'total', entry.total));
    if (kind === 'ratio' && spec.total === undefined) throw where.error('`total` is missing. Expected the denominator query of the ratio (e.g. all requests), containing `{{target}}`.');
    if (kind === 'value' && spec.total !== undefined) throw where.field('total', entry.total, 'no `total` for a value metric (only ratio metrics have a denominator)');
  }
  if (cwStyle) {
    spec.namespace = text(where, 'namespace', entry.namespace);
    spec.metric = text(where, 'metric', entry.metric);
    if (entry.dimensions === undefined) throw where.error('`dimensions` is missing. Expected a mapping with a value containing `{{target}}`.');
    spec.dimensions = dimensions(where, entry.dimensions);
    if (entry.total !== undefined) spec.totalMetric = text(where, 'total', entry.total);
    if (kind === 'ratio' && spec.totalMetric === undefined) throw where.error('`total` is missing. Expected the CloudWatch metric name of the ratio\'s denominator (e.g. RequestCount).');
    if (kind === 'value' && spec.totalMetric !== undefined) throw where.field('total', entry.total, 'no `total` for a value metric (only ratio metrics have a denominator)');
    if (kind === 'ratio' && spec.stat !== undefined && spec.stat !== 'Sum') throw where.field('stat', entry.stat, '`Sum` for a ratio metric (it counts events)');
    spec.stat ??= kind === 'ratio' ? 'Sum' : 'Average';
  }
  if (!promStyle && !cwStyle && entry.total !== undefined) {
    throw where.field('total', entry.total, 'a `total` only together with `query` (prometheus) or `namespace`/`metric` (cloudwatch)');
  }
  return spec;
}

/**
 * Parses and checks the `metrics` input (a YAML list, or the value already parsed). `provider`, when given,
 * adds its own checks (a prometheus metric needs `query`, a cloudwatch one `namespace`, `metric`, `dimensions`);
 * without it (replay) queries are optional but still checked when present.
 */
export function parseMetricSpecs(value: unknown, inputName = 'metrics', provider?: MetricProvider): MetricSpec[] {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.trim() === '') throw new ConfigurationError(`Invalid \`${inputName}\`: it is empty. Expected a YAML list of metrics, each with \`name\`, \`kind\` and bounds.`);
    parsed = parseYamlBlock(value, inputName);
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    throw new ConfigurationError(`Invalid \`${inputName}\`: a single mapping. Expected a YAML list: start each metric with \`- name: ...\`.`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigurationError(`Invalid \`${inputName}\`: ${show(parsed)}. Expected a non-empty YAML list of metrics, each with \`name\`, \`kind\` and bounds.`);
  }
  const specs = parsed.map((raw, i) => parseOne(raw, i, inputName, provider));
  const seen = new Map<string, number>();
  specs.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) {
      throw new ConfigurationError(`Invalid \`${inputName}\`: metric '${s.name}' appears twice (items ${first + 1} and ${i + 1}). Expected unique names.`);
    }
    seen.set(s.name, i);
  });
  return specs;
}
