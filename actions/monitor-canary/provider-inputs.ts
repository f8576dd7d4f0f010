import { ConfigurationError, invalidInput } from '../../shared/action/errors.js';
import { optionalInput } from '../../shared/action/inputs.js';
import { maskUrlCredentials } from '../../shared/action/secrets.js';
import type { Target } from '../../shared/analysis/measurement.js';
import type { MetricProvider } from '../../shared/analysis/metric-spec-parse.js';
import { parsePrometheusUrl } from '../../shared/metrics/prometheus-check.js';

/** Where the metrics come from; read by monitor-canary and by auto-rollback's watch alike. */
export interface ProviderSettings {
  provider: MetricProvider;
  'prometheus-url'?: string;
  'aws-region'?: string;
}

/** Reads `prometheus-url` or `aws-region` for the chosen provider, checked (`interval` in ms, for CloudWatch's minute periods). */
export function getProviderSettings(provider: MetricProvider, interval: number, action: string): ProviderSettings {
  if (provider === 'prometheus') {
    const url = optionalInput('prometheus-url');
    maskUrlCredentials(url);
    if (!url) throw new ConfigurationError(`Input \`prometheus-url\` is required with \`provider: prometheus\` ${action}.`);
    return { provider, 'prometheus-url': parsePrometheusUrl(url) };
  }
  const region = optionalInput('aws-region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigurationError('Input `aws-region` is required with `provider: cloudwatch` (or set AWS_REGION).');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw invalidInput('aws-region', region, 'an AWS region such as `us-east-1`');
  if (interval % 60_000 !== 0) throw invalidInput('interval', optionalInput('interval') ?? '', 'a whole number of minutes with `provider: cloudwatch` (its periods are multiples of 60 s)');
  return { provider, 'aws-region': region };
}

/** `target-names`: what `{{target}}` becomes per role, one `role=name` per line. */
export function parseTargetNames(map: Record<string, string>): Partial<Record<Target, string>> {
  for (const [role, name] of Object.entries(map)) {
    if (role !== 'canary' && role !== 'stable' && role !== 'baseline') throw invalidInput('target-names', `${role}=${name}`, 'lines `canary=<name>`, `stable=<name>` or `baseline=<name>`');
    if (name === '') throw invalidInput('target-names', `${role}=`, 'a non-empty name after `=`');
  }
  return map as Partial<Record<Target, string>>;
}
