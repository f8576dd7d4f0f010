import { ConfigurationError } from '../action/errors.js';
import type { MetricSpec } from '../analysis/metric-spec.js';
import { hasTargetPlaceholder } from './template.js';

export type ProviderName = 'prometheus' | 'cloudwatch';

const CLOUDWATCH_STAT = /^(Average|Sum|Minimum|Maximum|SampleCount|IQM|p\d{1,2}(\.\d+)?|p100|tm\d{1,2}(\.\d+)?|wm\d{1,2}(\.\d+)?|tc\d{1,2}(\.\d+)?|ts\d{1,2}(\.\d+)?)$/;

/**
 * What a provider needs from each metric, checked at the edge: without `{{target}}` the canary and the
 * control would read the same series and always look equal, which would be a silent pass.
 */
export function checkSpecsForProvider(specs: readonly MetricSpec[], provider: ProviderName): void {
  for (const spec of specs) {
    const bad = (field: string, value: string | undefined, expected: string) =>
      new ConfigurationError(`Invalid \`metrics\`: metric '${spec.name}' has ${field} ${value === undefined ? '(missing)' : `'${value}'`}. Expected ${expected}.`);
    if (provider === 'prometheus') {
      for (const field of spec.kind === 'ratio' ? (['query', 'total'] as const) : (['query'] as const)) {
        const text = spec[field];
        if (!text) throw bad(`\`${field}\``, text, `a PromQL query (the provider is \`prometheus\`)`);
        if (!hasTargetPlaceholder(text)) throw bad(`\`${field}\``, text, 'a query containing `{{target}}`, so canary and control read different series');
      }
    } else {
      if (!spec.namespace) throw bad('`namespace`', undefined, 'a CloudWatch namespace (the provider is `cloudwatch`)');
      if (!spec.metric) throw bad('`metric`', undefined, 'a CloudWatch metric name');
      if (spec.kind === 'ratio' && !spec.totalMetric) throw bad('`total-metric`', undefined, 'the CloudWatch metric counting all events (the denominator of a ratio metric)');
      const dims = Object.values(spec.dimensions ?? {});
      if (!dims.some(hasTargetPlaceholder)) throw bad('`dimensions`', JSON.stringify(spec.dimensions ?? {}), 'a dimension whose value contains `{{target}}`, so canary and control read different series');
      if (spec.kind === 'value' && spec.stat !== undefined && !CLOUDWATCH_STAT.test(spec.stat)) {
        throw bad('`stat`', spec.stat, 'a CloudWatch statistic: Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p95 or p99.9');
      }
    }
  }
}
