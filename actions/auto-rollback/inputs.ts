import { ConfigurationError, invalidInput } from '../../shared/errors.js';
import { choiceInput, durationInput, keyValueInput, numberInput, optionalInput, percentageInput } from '../../shared/action/inputs.js';
import { getKubernetesTarget, type KubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { maskSecret, maskUrlCredentials } from '../../shared/action/secrets.js';
import type { Target } from '../../shared/analysis/measurement.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import type { MetricSpec, MissingDataPolicy } from '../../shared/analysis/metric-spec.js';
import { parseHooks } from '../../shared/hooks/parse.js';
import type { HookPlan } from '../../shared/hooks/types.js';
import { parseDuration } from '../../shared/parse/duration.js';
import { getProviderSettings, parseTargetNames, providerInput, type ProviderSettings } from '../../shared/metrics/settings.js';

export type RollbackMode = 'canary' | 'revision' | 'auto' | 'abandoned';
export const MODES: readonly RollbackMode[] = ['canary', 'revision', 'auto', 'abandoned'];
const MISSING_DATA: readonly MissingDataPolicy[] = ['inconclusive', 'fail', 'ignore'];
/**
 * Inputs that only mean something with `watch`: set without it, they are a mistake worth naming. (Only those
 * whose action.yml default is empty: the runner passes the others' defaults as if set.)
 */
const WATCH_ONLY = ['metrics', 'failure-limit', 'target-names'];

/** Watch a released Deployment, judged by `metrics`, before deciding (see shared/analysis/watch.ts). */
export interface WatchSettings {
  /** Where the metrics come from: the provider and its own inputs. */
  connection: ProviderSettings;
  /** Milliseconds to watch. */
  duration: number;
  /** Milliseconds between measurements. */
  interval: number;
  metrics: MetricSpec[];
  'on-missing-data': MissingDataPolicy;
  'false-alarm-rate': number;
  'failure-limit'?: number;
  /** `{{target}}` for the released version (`canary`) and the previous one (`stable`), when not the version names. */
  'target-names': Partial<Record<Target, string>>;
}

/** `deployment` is '' only with `mode: abandoned`: sweep every Deployment of `namespace`. */
export interface Inputs extends KubernetesTarget {
  mode: RollbackMode;
  reason: string;
  /** Undefined: roll back at once. */
  watch?: WatchSettings;
  'notify-webhook'?: string;
  'github-token'?: string;
  environment: string;
  /** Milliseconds to wait for a revision rollback's rollout. */
  timeout: number;
  /** `post-rollback` hooks: run after a rollback. */
  hooks: HookPlan;
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

function getWatchSettings(watch: number, mode: RollbackMode): WatchSettings {
  if (mode === 'canary' || mode === 'abandoned') {
    throw invalidInput('mode', mode, '`revision` or `auto` with `watch` (a watch judges a released Deployment, which has no canary to remove)');
  }
  const rawMetrics = optionalInput('metrics');
  if (rawMetrics === undefined) throw new ConfigurationError('`watch` needs `metrics`: the rollback is decided by the metrics breaching over the watch period.');
  const provider = providerInput();
  const metrics = parseMetricSpecs(rawMetrics, 'metrics', provider);
  const interval = durationInput('interval', '1m');
  if (interval > watch) throw invalidInput('interval', optionalInput('interval') ?? '1m', `a duration no longer than \`watch\` (${optionalInput('watch')})`);
  const falseAlarmRate = percentageInput('false-alarm-rate', 1, { allowZero: false }) / 100;
  if (falseAlarmRate >= 0.5) throw invalidInput('false-alarm-rate', optionalInput('false-alarm-rate') ?? '', 'a percentage greater than 0 and below 50, such as `1%`');
  const targetNames = parseTargetNames(keyValueInput('target-names'));
  if (targetNames.baseline !== undefined) throw invalidInput('target-names', `baseline=${targetNames.baseline}`, 'lines `canary=<released version>` or `stable=<previous version>` (a watch has no baseline)');
  return {
    connection: getProviderSettings(provider, interval, 'to watch metrics'),
    duration: watch,
    interval,
    metrics,
    'on-missing-data': choiceInput('on-missing-data', MISSING_DATA, 'inconclusive'),
    'false-alarm-rate': falseAlarmRate,
    'failure-limit': optionalInput('failure-limit') === undefined ? undefined : numberInput('failure-limit', 0, { integer: true, min: 0 }),
    'target-names': targetNames,
  };
}

export function getInputs(): Inputs {
  // Secrets are masked before any input is checked, so no error can print them.
  const webhook = optionalInput('notify-webhook');
  maskSecret(webhook);
  const token = optionalInput('github-token');
  maskSecret(token);
  maskUrlCredentials(optionalInput('prometheus-url'));
  const mode = choiceInput('mode', MODES, 'auto');
  const target = getKubernetesTarget({ deploymentOptional: mode === 'abandoned' });
  const hooks = parseHooks(optionalInput('hooks'), { allowedStages: ['post-rollback'] });
  if (target.deployment === '') {
    // A sweep rolls back canaries of many Deployments: what reports on one has nothing to name.
    if (hooks['post-rollback']?.length) throw new ConfigurationError('`hooks` need a `deployment`: with `mode: abandoned` and no `deployment` (a sweep of the namespace), set `deployment` or remove `hooks`.');
    if (token) throw new ConfigurationError('`github-token` needs a `deployment`: with `mode: abandoned` and no `deployment` (a sweep of the namespace) there is no one deployment status to report; remove it.');
  }
  const reason = optionalInput('reason') ?? 'rolled back by ai-deploy auto-rollback';
  if (reason.length > 1000) throw invalidInput('reason', reason, 'at most 1000 characters');
  const rawWatch = optionalInput('watch');
  const watch = rawWatch === undefined ? undefined : getWatchSettings(parseDuration(rawWatch, 'watch'), mode);
  const stray = WATCH_ONLY.find((name) => rawWatch === undefined && optionalInput(name) !== undefined);
  if (stray) throw new ConfigurationError(`\`${stray}\` is only used with \`watch\` (how long to watch before deciding); set \`watch\` or remove \`${stray}\`.`);
  const environment = optionalInput('environment') ?? 'production';
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$/.test(environment)) throw invalidInput('environment', environment, 'a GitHub environment name');
  return {
    ...target,
    mode,
    reason,
    watch,
    'notify-webhook': webhook === undefined ? undefined : parseWebhookUrl(webhook),
    'github-token': token,
    environment,
    timeout: durationInput('timeout', '5m'),
    hooks,
  };
}
