import { invalidInput } from '../errors.js';
import { choiceInput } from '../action/inputs.js';
import type { Target } from '../analysis/measurement.js';
import type { ConnectionInputs } from './module.js';
import { PROVIDER_NAMES, providerModule, type ProviderName } from './registry.js';

/** Where the metrics come from: the provider and its own inputs; read by monitor-canary and auto-rollback's watch alike. */
export interface ProviderSettings {
  provider: ProviderName;
  inputs: ConnectionInputs;
}

/** The `provider` input, one of the registered providers. */
export function providerInput(): ProviderName {
  return choiceInput<ProviderName>('provider', PROVIDER_NAMES, 'prometheus');
}

/** Reads the chosen provider's own inputs, checked by it (`interval` in ms; `action`: where they are required). */
export function getProviderSettings(provider: ProviderName, interval: number, action: string): ProviderSettings {
  return { provider, inputs: providerModule(provider).readInputs(interval, action) };
}

/** `target-names`: what `{{target}}` becomes per role, one `role=name` per line. */
export function parseTargetNames(map: Record<string, string>): Partial<Record<Target, string>> {
  for (const [role, name] of Object.entries(map)) {
    if (role !== 'canary' && role !== 'stable' && role !== 'baseline') throw invalidInput('target-names', `${role}=${name}`, 'lines `canary=<name>`, `stable=<name>` or `baseline=<name>`');
    if (name === '') throw invalidInput('target-names', `${role}=`, 'a non-empty name after `=`');
  }
  return map as Partial<Record<Target, string>>;
}
