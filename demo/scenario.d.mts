// Types for demo/scenario.mjs (the end-to-end test runs the same scenario as `npm run demo`).
import type { SandboxEnv } from '../sandbox/env.mjs';

export interface ScenarioOptions {
  namespace?: string;
  bucket?: string;
  model?: string;
  stableVersion?: string;
  goodVersion?: string;
  badVersion?: string;
  /** monitor-canary `steps`; the first is canary-deploy's `weight`. */
  steps?: string;
  interval?: string;
  stepDuration?: string;
  rps?: number;
  tickMs?: number;
  /** Leave the namespace in place afterwards. */
  keep?: boolean;
  log?: (line: string) => void;
  /** Cancels like a cancelled workflow run: the running step gets SIGINT; rollback and post steps still run. */
  signal?: AbortSignal;
  env?: SandboxEnv;
}

export interface ServingVersion {
  image: string;
  modelVersion: string;
  ready: number;
}

export interface ClusterState {
  deployments: (ServingVersion & { name: string; replicas: number; annotations: Record<string, string> })[];
  replicaSets: (ServingVersion & { name: string; owner?: string; revision?: string; replicas: number })[];
  services: string[];
  routeWeights: Record<string, number>;
}

export interface PromotionPointer {
  version: string;
  [key: string]: unknown;
}

export interface StepRecord {
  outcome: 'success' | 'failure' | 'skipped';
  ms: number;
  outputs: Record<string, string>;
  errors: string[];
}

export interface PipelineRun {
  n: number;
  version: string;
  image: string;
  verdict?: string;
  reason?: string;
  decidedAfter?: string;
  promoted: boolean;
  rolledBack: boolean;
  jobFailed: boolean;
  steps: Record<string, StepRecord>;
  timings: { step: string; ms: number; outcome: string }[];
  ms: number;
  after: { cluster: ClusterState; pointer?: PromotionPointer };
}

export interface ScenarioResult {
  runs: PipelineRun[];
  stages: { name: string; ms: number }[];
  timeToSafety?: { firstBadCanaryAt?: number; allStableMs?: number; canaryGoneMs?: number; tickMs: number };
  timeline?: { at: number; share: number; modelVersion?: string }[];
  traffic?: Record<'stable' | 'canary', { requests: number; errors: number }>;
  final?: { cluster: ClusterState; pointer?: PromotionPointer; cloudwatch: Record<string, { requests: number; errors: number }>; trafficWriteErrors: number };
}

export declare const DEFAULTS: Required<Omit<ScenarioOptions, 'keep' | 'log' | 'env'>>;
export declare function demoMetrics(): string;
export declare function demoTargetNames(namespace: string): string;
export declare function runScenario(options?: ScenarioOptions): Promise<ScenarioResult>;
