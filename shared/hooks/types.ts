import type { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** Where a hook runs, and which action runs it. */
export const STAGE_ACTIONS = {
  'pre-traffic': 'canary-deploy',
  during: 'monitor-canary',
  'pre-promote': 'promote',
  'post-promote': 'promote',
  'post-rollback': 'auto-rollback',
} as const;

export type HookStage = keyof typeof STAGE_ACTIONS;
export const HOOK_STAGES = Object.keys(STAGE_ACTIONS) as HookStage[];

export type HookKind = 'http' | 'job';
export const HOOK_KINDS: readonly HookKind[] = ['http', 'job'];

/** Names usable as `{{name}}` in URLs, paths, headers, bodies and Job manifests. */
export const TEMPLATE_NAMES = ['image', 'model-version', 'namespace'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
export type TemplateValues = Partial<Record<TemplateName, string>>;

/** Which statuses count as an answer: exact codes and/or whole classes (`2` for 2xx). */
export interface StatusExpectation {
  codes: number[];
  classes: number[];
}

/** Where an http hook sends its request: a URL, or a Service through the API server's service proxy. */
export type HttpTarget =
  | { via: 'url'; url: string }
  | { via: 'service'; service: string; port: string; path: string; scheme: 'http' | 'https' };

export interface HttpHook {
  kind: 'http';
  name: string;
  target: HttpTarget;
  method: string;
  /** Header values may hold `{{env.NAME}}` placeholders, resolved only when sent. */
  headers: Record<string, string>;
  /** Sent as written; `json` when it was written as YAML (placeholders are then JSON-escaped). */
  body?: { text: string; json: boolean };
  expect: { status: StatusExpectation; bodyContains?: string; bodyMatches?: RegExp };
  /** Per attempt. */
  timeoutMs: number;
  retries: number;
  /** First wait between attempts; doubled after each. */
  backoffMs: number;
}

export interface JobHook {
  kind: 'job';
  name: string;
  /** The manifest path as written, for messages. */
  manifest: string;
  /** The Job manifest, read and checked at parse time; strings may hold `{{image}}`-style placeholders. */
  job: Record<string, unknown>;
  /** How long to wait for the Job (in `during`: how long it may run at most). */
  timeoutMs: number;
}

export type Hook = HttpHook | JobHook;

/** Hooks grouped by stage, in the order written. A stage with no hooks is absent. */
export type HookPlan = Partial<Record<HookStage, Hook[]>>;

export type HookOutcome = 'passed' | 'failed' | 'skipped' | 'stopped';

export interface HookResult {
  stage: HookStage;
  name: string;
  kind: HookKind;
  /** True for `passed`, and for `stopped` (a `during` hook still running when the analysis ended). */
  ok: boolean;
  outcome: HookOutcome;
  /** What the hook answered, one line, free of secrets. */
  detail: string;
  durationMs: number;
}

export interface StageReport {
  stage: HookStage;
  ok: boolean;
  results: HookResult[];
  /** The first failure, naming the hook and what it answered; set when `ok` is false. */
  failure?: string;
}

/** Kubernetes clients, built once by the action (see `createHookClients`). */
export interface HookClients {
  kubeConfig: KubeConfig;
  batch: BatchV1Api;
  core: CoreV1Api;
}

export interface HookContext {
  namespace: string;
  /** Needed by `job` hooks and by `http` hooks that reach a Service; `http` hooks with a URL run without. */
  clients?: HookClients;
  values?: TemplateValues;
  /** Where `{{env.NAME}}` is looked up at run time; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Extra labels put on every hook Job (for example the Deployment's name), so cleanup finds only ours. */
  labels?: Record<string, string>;
  /** How often a Job's status is read; default 2 s. */
  pollIntervalMs?: number;
}
