import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricSpec } from '../../analysis/metric-spec.js';
import type { TargetNames } from '../provider.js';
import { renderPlain } from '../template.js';

export type Role = 'canary' | 'control';
export type Part = 'value' | 'num' | 'den';

/** Which metric, target and part of a ratio a query id stands for. */
export interface QueryKey {
  metric: string;
  role: Role;
  part: Part;
}

/**
 * Every metric for canary and control as the queries of ONE GetMetricData call. Ids must start with a
 * lower-case letter and hold only letters, digits and `_`, so they are built from positions, not names.
 * Ratio metrics read counts: the `metric` (bad events) and its `total` metric, both as `Sum`.
 */
export function buildQueries(specs: readonly MetricSpec[], targets: TargetNames, periodSeconds: number): { queries: MetricDataQuery[]; keys: Map<string, QueryKey> } {
  const queries: MetricDataQuery[] = [];
  const keys = new Map<string, QueryKey>();
  specs.forEach((spec, i) => {
    const source = spec.source;
    if (source?.provider !== 'cloudwatch') return; // no query: the metric reads as not measured (an error)
    for (const role of ['canary', 'control'] as const) {
      const target = targets[role];
      const parts: [Part, string | undefined, string][] =
        spec.kind === 'ratio' ? [['num', source.metric, 'Sum'], ['den', source.total, 'Sum']] : [['value', source.metric, source.stat]];
      for (const [part, metricName, stat] of parts) {
        const id = `${part[0]}${i}_${role === 'canary' ? 'c' : 'k'}`;
        keys.set(id, { metric: spec.name, role, part });
        queries.push({
          Id: id,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: source.namespace,
              MetricName: metricName,
              Dimensions: Object.entries(source.dimensions).map(([Name, value]) => ({ Name, Value: renderPlain(value, { target }) })),
            },
            Period: periodSeconds,
            Stat: stat,
          },
        });
      }
    }
  });
  return { queries, keys };
}
