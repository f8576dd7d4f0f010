import { ConfigurationError, invalidInput } from '../../shared/action/errors.js';
import { choiceInput, durationInput, optionalInput } from '../../shared/action/inputs.js';
import { getKubernetesTarget, type KubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { maskSecret } from '../../shared/action/secrets.js';
import { parseMetricSpecs, type MetricProvider } from '../../shared/analysis/metric-spec-parse.js';
import type { MetricSpec } from '../../shared/analysis/metric-spec.js';
import { parseDuration } from '../../shared/parse/duration.js';

export type RollbackMode = 'canary' | 'revision' | 'auto';
export const MODES: readonly RollbackMode[] = ['canary', 'revision', 'auto'];

export interface Inputs extends KubernetesTarget {
  mode: RollbackMode;
  reason: string;
  /** Milliseconds to watch before deciding; undefined rolls back at once. */
  watch?: number;
  metrics?: MetricSpec[];
  provider: MetricProvider;
  'prometheus-url'?: string;
  'notify-webhook'?: string;
  'github-token'?: string;
  environment: string;
  /** Milliseconds to wait for a revision rollback's rollout. */
  timeout: number;
}

export function parseWebhookUrl(value: string, input = 'notify-webhook'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`Invalid \`${input}\`: not a URL. Expected an http(s) webhook URL (the value is secret and not shown).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(`Invalid \`${input}\`: scheme '${url.protocol}'. Expected an http(s) webhook URL.`);
  }
  return value;
}

export function getInputs(): Inputs {
  const target = getKubernetesTarget();
  const webhook = optionalInput('notify-webhook');
  maskSecret(webhook);
  const token = optionalInput('github-token');
  maskSecret(token);
  const mode = choiceInput('mode', MODES, 'auto');
  const reason = optionalInput('reason') ?? 'rolled back by ai-deploy auto-rollback';
  if (reason.length > 1000) throw invalidInput('reason', reason, 'at most 1000 characters');
  const rawWatch = optionalInput('watch');
  const watch = rawWatch === undefined ? undefined : parseDuration(rawWatch, 'watch');
  const provider = choiceInput('provider', ['prometheus', 'cloudwatch'] as const, 'prometheus');
  const rawMetrics = optionalInput('metrics');
  if (watch !== undefined && rawMetrics === undefined) {
    throw new ConfigurationError('`watch` needs `metrics`: the rollback is decided by the metrics breaching over the watch period.');
  }
  if (watch === undefined && rawMetrics !== undefined) {
    throw new ConfigurationError('`metrics` is only used with `watch` (how long to watch before deciding); set `watch` or remove `metrics`.');
  }
  const metrics = rawMetrics === undefined ? undefined : parseMetricSpecs(rawMetrics, 'metrics', provider);
  const prometheusUrl = optionalInput('prometheus-url');
  if (prometheusUrl !== undefined && !/^https?:\/\/\S+$/.test(prometheusUrl)) throw invalidInput('prometheus-url', prometheusUrl, 'an http(s) URL');
  if (watch !== undefined && provider === 'prometheus' && prometheusUrl === undefined) {
    throw new ConfigurationError('`prometheus-url` is required to watch metrics with `provider: prometheus`.');
  }
  const environment = optionalInput('environment') ?? 'production';
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$/.test(environment)) throw invalidInput('environment', environment, 'a GitHub environment name');
  return {
    ...target,
    mode,
    reason,
    watch,
    metrics,
    provider,
    'prometheus-url': prometheusUrl,
    'notify-webhook': webhook === undefined ? undefined : parseWebhookUrl(webhook),
    'github-token': token,
    environment,
    timeout: durationInput('timeout', '5m'),
  };
}
