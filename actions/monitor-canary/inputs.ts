import { invalidInput } from '../../shared/errors.js';
import { maskKubeconfig, maskUrlCredentials } from '../../shared/action/secrets.js';
import { confinedPath } from '../../shared/action/workspace.js';
import { booleanInput, choiceInput, durationInput, keyValueInput, numberInput, optionalInput, percentageInput, requiredInput } from '../../shared/action/inputs.js';
import { getKubernetesTarget, type KubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import type { Target } from '../../shared/analysis/measurement.js';
import type { MetricSpec, MissingDataPolicy } from '../../shared/analysis/metric-spec.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import type { ProviderName } from '../../shared/metrics/registry.js';
import { getProviderSettings, parseTargetNames, providerInput, type ProviderSettings } from '../../shared/metrics/settings.js';
import { parseHooks } from '../../shared/hooks/parse.js';
import type { HookPlan } from '../../shared/hooks/types.js';
import { checkStepsJudgeable, parseSteps } from './steps.js';

/** Up to 50: at 100 stable gets no traffic and nothing can be compared with it (promote takes it there). */
export const DEFAULT_STEPS = '10,25,50';

export const MISSING_DATA_POLICIES: readonly MissingDataPolicy[] = ['inconclusive', 'fail', 'ignore'];

/** Everything monitor-canary needs, parsed and checked before anything is measured or moved. */
export interface Inputs {
  provider: ProviderName;
  /** The provider's own inputs (`prometheus-url`, `aws-region`...), read and checked by it; undefined in replay mode. */
  connection?: ProviderSettings;
  metrics: MetricSpec[];
  steps: number[];
  /** Milliseconds. */
  interval: number;
  'step-duration': number;
  'on-missing-data': MissingDataPolicy;
  /** Argo-like hard limit on intervals breaking a bound; undefined: off (the statistics decide). */
  'failure-limit'?: number;
  'false-alarm-rate': number;
  'rollback-on-failure': boolean;
  /** What `{{target}}` becomes per role, when the series are not labelled `canary` / `stable` / `baseline`. */
  'target-names': Partial<Record<Target, string>>;
  /** Path of a recorded trace: judge it offline, with no provider and no cluster. */
  replay?: string;
  /** The cluster side; undefined in replay mode. */
  kubernetes?: KubernetesTarget;
  /** `during` hooks, run alongside the live analysis (a load generator, say); never in replay. */
  hooks: HookPlan;
}

export function getInputs(): Inputs {
  // Secrets are masked before any input is checked, so no error can print them.
  maskUrlCredentials(optionalInput('prometheus-url'));
  maskKubeconfig(optionalInput('kubeconfig'));
  const rawReplay = optionalInput('replay');
  const replay = rawReplay === undefined ? undefined : confinedPath('replay', rawReplay, { kind: 'file' });
  const provider = providerInput();
  const onMissingData = choiceInput('on-missing-data', MISSING_DATA_POLICIES, 'inconclusive');
  // Replay judges a trace: the metrics' thresholds matter, their queries do not.
  const metrics = parseMetricSpecs(requiredInput('metrics'), 'metrics', replay === undefined ? provider : undefined);
  const interval = durationInput('interval', '1m');
  const stepDuration = durationInput('step-duration', '10m');
  if (stepDuration < interval) throw invalidInput('step-duration', optionalInput('step-duration') ?? '10m', `a duration at least as long as \`interval\` (${optionalInput('interval') ?? '1m'})`);
  const stepsValue = optionalInput('steps') ?? DEFAULT_STEPS;
  const inputs: Inputs = {
    provider,
    metrics,
    steps: parseSteps(stepsValue),
    interval,
    'step-duration': stepDuration,
    'on-missing-data': onMissingData,
    'failure-limit': optionalInput('failure-limit') === undefined ? undefined : numberInput('failure-limit', 0, { integer: true, min: 0 }),
    'false-alarm-rate': percentageInput('false-alarm-rate', 1, { allowZero: false }) / 100,
    'rollback-on-failure': booleanInput('rollback-on-failure', false),
    'target-names': parseTargetNames(keyValueInput('target-names')),
    replay,
    hooks: parseHooks(optionalInput('hooks'), { allowedStages: ['during'] }),
  };
  if (inputs['false-alarm-rate'] >= 0.5) throw invalidInput('false-alarm-rate', optionalInput('false-alarm-rate') ?? '', 'a percentage greater than 0 and below 50, such as `1%`');
  if (replay !== undefined) return inputs;

  // Live mode: steps that can be judged, a provider and a cluster.
  checkStepsJudgeable(inputs.steps, stepsValue, metrics);
  inputs.connection = getProviderSettings(provider, interval, '(unless `replay` is set)');
  inputs.kubernetes = getKubernetesTarget();
  return inputs;
}
