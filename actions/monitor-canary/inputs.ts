import { ConfigurationError, invalidInput } from '../../shared/action/errors.js';
import { booleanInput, choiceInput, durationInput, keyValueInput, numberInput, optionalInput, percentageInput, requiredInput } from '../../shared/action/inputs.js';
import { getKubernetesTarget, type KubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { maskSecret } from '../../shared/action/secrets.js';
import type { Target } from '../../shared/analysis/measurement.js';
import type { MetricSpec, MissingDataPolicy } from '../../shared/analysis/metric-spec.js';
import { parseMetricSpecs, type MetricProvider as ProviderName } from '../../shared/analysis/metric-spec-parse.js';
import { parsePrometheusUrl } from '../../shared/metrics/prometheus-check.js';
import { parseSteps } from './steps.js';

export const MISSING_DATA_POLICIES: readonly MissingDataPolicy[] = ['inconclusive', 'fail', 'ignore'];

/** Everything monitor-canary needs, parsed and checked before anything is measured or moved. */
export interface Inputs {
  provider: ProviderName;
  'prometheus-url'?: string;
  'aws-region'?: string;
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
}

export function getInputs(): Inputs {
  const replay = optionalInput('replay');
  const provider = choiceInput<ProviderName>('provider', ['prometheus', 'cloudwatch'], 'prometheus');
  const onMissingData = choiceInput('on-missing-data', MISSING_DATA_POLICIES, 'inconclusive');
  // Replay judges a trace: the metrics' thresholds matter, their queries do not.
  const metrics = parseMetricSpecs(requiredInput('metrics'), 'metrics', replay === undefined ? provider : undefined);
  const interval = durationInput('interval', '1m');
  const stepDuration = durationInput('step-duration', '10m');
  if (stepDuration < interval) throw invalidInput('step-duration', optionalInput('step-duration') ?? '10m', `a duration at least as long as \`interval\` (${optionalInput('interval') ?? '1m'})`);
  const inputs: Inputs = {
    provider,
    metrics,
    steps: parseSteps(optionalInput('steps') ?? '10,25,50,100'),
    interval,
    'step-duration': stepDuration,
    'on-missing-data': onMissingData,
    'failure-limit': optionalInput('failure-limit') === undefined ? undefined : numberInput('failure-limit', 0, { integer: true, min: 0 }),
    'false-alarm-rate': percentageInput('false-alarm-rate', 1, { allowZero: false }) / 100,
    'rollback-on-failure': booleanInput('rollback-on-failure', false),
    'target-names': parseTargetNames(keyValueInput('target-names')),
    replay,
  };
  if (inputs['false-alarm-rate'] >= 0.5) throw invalidInput('false-alarm-rate', optionalInput('false-alarm-rate') ?? '', 'a percentage greater than 0 and below 50, such as `1%`');
  if (replay !== undefined) return inputs;

  // Live mode: a provider and a cluster.
  if (provider === 'prometheus') {
    const url = optionalInput('prometheus-url');
    if (!url) throw new ConfigurationError('Input `prometheus-url` is required with `provider: prometheus` (unless `replay` is set).');
    maskSecret(new URL(parsePrometheusUrl(url)).password || undefined);
    inputs['prometheus-url'] = parsePrometheusUrl(url);
  } else {
    const region = optionalInput('aws-region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new ConfigurationError('Input `aws-region` is required with `provider: cloudwatch` (or set AWS_REGION).');
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw invalidInput('aws-region', region, 'an AWS region such as `us-east-1`');
    inputs['aws-region'] = region;
    if (interval % 60_000 !== 0) throw invalidInput('interval', optionalInput('interval') ?? '', 'a whole number of minutes with `provider: cloudwatch` (its periods are multiples of 60 s)');
  }
  inputs.kubernetes = getKubernetesTarget();
  return inputs;
}

function parseTargetNames(map: Record<string, string>): Partial<Record<Target, string>> {
  for (const [role, name] of Object.entries(map)) {
    if (role !== 'canary' && role !== 'stable' && role !== 'baseline') throw invalidInput('target-names', `${role}=${name}`, 'lines `canary=<name>`, `stable=<name>` or `baseline=<name>`');
    if (name === '') throw invalidInput('target-names', `${role}=`, 'a non-empty name after `=`');
  }
  return map as Partial<Record<Target, string>>;
}
