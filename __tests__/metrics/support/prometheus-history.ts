import { randomBytes } from 'node:crypto';
import { pushTimeseries } from 'prometheus-remote-write';

export const STEP = 15;

/** A time aligned to the scrape step, far enough in the past that every window we query is complete. */
export function alignedNow(): number {
  return Math.floor(Date.now() / 1000 / STEP) * STEP - STEP;
}

/** A label value unique to this test run, so histories in the shared sandbox Prometheus never mix. */
export function uniqueApp(prefix = 'mc'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface Series {
  labels: Record<string, string>;
  /** [seconds, value] pairs. */
  points: [number, number][];
}

/** A counter scraped every 15 s from `from` to `to`, growing by `perStep(t)` at each scrape. */
export function counter(labels: Record<string, string>, from: number, to: number, perStep: (t: number) => number): Series {
  const points: [number, number][] = [];
  let value = 0;
  for (let t = from; t <= to; t += STEP) {
    points.push([t, value]);
    value += perStep(t);
  }
  return { labels, points };
}

export function gauge(labels: Record<string, string>, from: number, to: number, at: (t: number) => number): Series {
  const points: [number, number][] = [];
  for (let t = from; t <= to; t += STEP) points.push([t, at(t)]);
  return { labels, points };
}

/** Writes histories into Prometheus through its remote-write receiver (the out-of-order window takes the past). */
export async function pushHistory(prometheusUrl: string, series: Series[]): Promise<void> {
  const response = (await pushTimeseries(
    series.map((s) => ({ labels: s.labels as { __name__: string }, samples: s.points.map(([t, value]) => ({ timestamp: t * 1000, value })) })),
    { url: `${prometheusUrl}/api/v1/write`, fetch: globalThis.fetch } as never,
  )) as { status?: number; errorMessage?: string };
  if (response.status !== undefined && response.status >= 300) throw new Error(`remote write failed: ${response.status} ${response.errorMessage ?? ''}`);
}
