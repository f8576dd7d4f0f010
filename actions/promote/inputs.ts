import { ConfigurationError } from '../../shared/errors.js';
import { durationInput, optionalInput } from '../../shared/action/inputs.js';
import { getKubernetesTarget, type KubernetesTarget } from '../../shared/action/kubernetes-inputs.js';
import { maskSecret } from '../../shared/action/secrets.js';
import { parseHooks } from '../../shared/hooks/parse.js';
import type { HookPlan } from '../../shared/hooks/types.js';
import { parseTag } from '../../shared/image/reference.js';
import { parseRegistryLocation, type RegistryLocation } from '../../shared/registry/location.js';
import { parseEnvironmentName, parseModelName, parseVersion } from '../../shared/registry/names.js';

export interface Inputs extends KubernetesTarget {
  registry?: RegistryLocation;
  model?: string;
  /** Undefined: the model version the canary recorded. */
  version?: string;
  environment: string;
  'image-tag'?: string;
  'github-token'?: string;
  /** Milliseconds to wait for the stable rollout. */
  timeout: number;
  /** `pre-promote` (a gate: nothing is promoted unless they pass) and `post-promote` hooks. */
  hooks: HookPlan;
}

export function getInputs(): Inputs {
  const token = optionalInput('github-token');
  maskSecret(token);
  const target = getKubernetesTarget();
  const rawRegistry = optionalInput('registry');
  const rawModel = optionalInput('model');
  const rawVersion = optionalInput('version');
  const registry = rawRegistry === undefined ? undefined : parseRegistryLocation(rawRegistry, 'registry');
  const model = rawModel === undefined ? undefined : parseModelName(rawModel, 'model');
  if (registry && !model) throw new ConfigurationError('`registry` needs `model`: the model whose promotion pointer to move.');
  if (!registry && (model || rawVersion)) throw new ConfigurationError('`model` and `version` are for the model registry: set `registry` too (s3://bucket/prefix).');
  const rawTag = optionalInput('image-tag');
  return {
    ...target,
    registry,
    model,
    version: rawVersion === undefined ? undefined : parseVersion(rawVersion, 'version'),
    environment: parseEnvironmentName(optionalInput('environment') ?? 'production', 'environment'),
    'image-tag': rawTag === undefined ? undefined : parseTag(rawTag, 'image-tag'),
    'github-token': token,
    timeout: durationInput('timeout', '10m'),
    hooks: parseHooks(optionalInput('hooks'), { allowedStages: ['pre-promote', 'post-promote'] }),
  };
}
