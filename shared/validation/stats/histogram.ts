/**
 * Latencies as a log-bucketed histogram (2% wide buckets): constant memory however many requests run,
 * and shard histograms add up exactly, so a merged report's percentiles equal a single run's buckets.
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export type LatencyHistogram = Record<string, number>;

export function bucketOf(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / LOG_GROWTH);
}

export function record(h: LatencyHistogram, ms: number): void {
  const b = bucketOf(ms);
  h[b] = (h[b] ?? 0) + 1;
}

export function mergeInto(into: LatencyHistogram, from: LatencyHistogram): void {
  for (const [b, n] of Object.entries(from)) into[b] = (into[b] ?? 0) + n;
}

/** The q-quantile (0..1), as the upper edge of its bucket (within 2% of the true value); undefined when empty. */
export function quantile(h: LatencyHistogram, q: number): number | undefined {
  const buckets = Object.entries(h)
    .map(([b, n]) => [Number(b), n] as const)
    .sort((x, y) => x[0] - y[0]);
  const total = buckets.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [b, n] of buckets) {
    seen += n;
    if (seen >= rank) return b === 0 ? 1 : GROWTH ** b;
  }
  return undefined;
}
