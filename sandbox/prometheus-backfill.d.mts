// Types for sandbox/prometheus-backfill.mjs.
export interface BackfilledPrometheus {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  dataDir: string;
  /** Stop this instance and delete its data. */
  stop(): Promise<void>;
}

/** Start a throw-away Prometheus whose TSDB was backfilled from OpenMetrics text (timestamps in seconds, ends with "# EOF"). */
export declare function startBackfilledPrometheus(openMetrics: string): Promise<BackfilledPrometheus>;
