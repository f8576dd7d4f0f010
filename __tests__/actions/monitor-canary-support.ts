import type { V1Deployment } from '@kubernetes/client-node';
import type { Cluster } from '../../shared/k8s/cluster.js';
import { deploymentRef } from '../../shared/k8s/objects.js';
import { pushHistory, type Series } from '../metrics/support/prometheus-history.js';

/** Traffic of one version, per second. */
export interface Traffic {
  requests: number;
  errors: number;
}

/**
 * Writes live-looking request counters into the real Prometheus by remote write, one sample a second,
 * from a minute ago to `aheadS` seconds from now (Prometheus takes future samples, so a step that
 * queries at wall-clock time finds the history as it walks into it). Labels: app, version, code.
 */
export async function writeTraffic(prometheusUrl: string, app: string, versions: Record<string, Traffic>, aheadS = 120): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const series: Series[] = [];
  for (const [version, t] of Object.entries(versions)) {
    for (const [code, perSecond] of [['200', t.requests - t.errors], ['500', t.errors]] as const) {
      const points: [number, number][] = [];
      for (let s = now - 60, v = 0; s <= now + aheadS; s++, v += perSecond) points.push([s, v]);
      series.push({ labels: { __name__: 'http_requests_total', app, version, code }, points });
    }
  }
  await pushHistory(prometheusUrl, series);
}

/** The error-rate metric over the app's series, judged from counts (`increase`) per interval. */
export function errorRateMetric(app: string, bounds: string): string {
  return [
    '- name: error-rate',
    '  kind: ratio',
    `  query: sum(increase(http_requests_total{app="${app}",version="{{target}}",code="500"}[{{interval}}]))`,
    `  total: sum(increase(http_requests_total{app="${app}",version="{{target}}"}[{{interval}}]))`,
    ...bounds.split('\n').map((line) => `  ${line}`),
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Records every change of the canary weight annotation on the stable Deployment while a step runs,
 * as the cluster shows it (polled every 100 ms).
 */
export function recordWeights(cluster: Cluster, namespace: string, deployment: string) {
  const seen: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const d = await cluster.find<V1Deployment>(deploymentRef(namespace, deployment));
      const raw = d?.metadata?.annotations?.['ai-deploy.dev/weight'];
      if (raw !== undefined && seen.at(-1) !== Number(raw)) seen.push(Number(raw));
      await sleep(100);
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
      return seen;
    },
  };
}

/** The metrics the recorded traces in __tests__/metrics/fixtures carry, with their bounds (for replay specs). */
export const TRACE_METRICS = `
- name: error-rate
  kind: ratio
  max-increase: 50%
  max: 0.05
- name: latency
  kind: value
  max: 500
`;

/** A recorded trace of __tests__/metrics/fixtures. */
export const traceFixture = (name: string): string => new URL(`../metrics/fixtures/${name}`, import.meta.url).pathname;
