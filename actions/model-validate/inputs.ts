import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError, invalidInput } from '../../shared/errors.js';
import { booleanInput, choiceInput, durationInput, numberInput, optionalInput, percentageInput, requiredInput } from '../../shared/action/inputs.js';
import { confinedPath, workspaceDir } from '../../shared/action/workspace.js';
import { maskSecret, maskUrlCredentials } from '../../shared/action/secrets.js';
import { parseRegistryLocation, type RegistryLocation } from '../../shared/registry/location.js';
import { parseModelName, parseVersionRef, type VersionRef } from '../../shared/registry/names.js';
import { parseShard, type Shard } from '../../shared/validation/shard.js';
import type { IntervalMethod } from '../../shared/validation/stats/binomial.js';

/** model-validate's inputs, keys as in model-validate/action.yml, checked before anything is sent anywhere. */
export interface Inputs {
  registry?: RegistryLocation;
  model?: string;
  /** Which version: a semantic version, `latest`, or an environment's pointer. */
  version?: VersionRef;
  'model-path'?: string;
  'download-path'?: string;
  /** The suite file on disk, and as the workspace names it (annotations). */
  suite: { file: string; display: string };
  endpoint?: string;
  'api-key'?: string;
  'judge-endpoint'?: string;
  'judge-api-key'?: string;
  'judge-model'?: string;
  timeout: number;
  retries: number;
  repeats?: number;
  'max-repeats'?: number;
  concurrency: number;
  /** 0..1; undefined: the suite's `threshold`, else 0.9. */
  threshold?: number;
  confidence: number;
  interval: IntervalMethod;
  baseline?: VersionRef;
  margin: number;
  reference?: string;
  current?: string;
  'drift-limit': number;
  shard?: Shard;
  merge: boolean;
  'shard-reports'?: string;
  publish: boolean;
  framework: string;
  'github-token'?: string;
  'check-name': string;
  comment: boolean;
  'artifact-name': string;
}

/** The workspace-relative path of a file, as GitHub annotations want it. */
export function annotationPath(file: string, workspace = workspaceDir()): string {
  const rel = relative(workspace, resolve(workspace, file));
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split('\\').join('/');
}

export function getInputs(): Inputs {
  const token = optionalInput('github-token');
  maskSecret(token);
  const apiKey = optionalInput('api-key');
  maskSecret(apiKey);
  const endpoint = optionalInput('endpoint');
  maskUrlCredentials(endpoint);
  const judgeApiKey = optionalInput('judge-api-key');
  maskSecret(judgeApiKey);
  const judgeEndpoint = optionalInput('judge-endpoint');
  maskUrlCredentials(judgeEndpoint);
  const rawRegistry = optionalInput('registry');
  const rawModel = optionalInput('model');
  const rawVersion = optionalInput('version');
  const rawBaseline = optionalInput('baseline');
  const registry = rawRegistry === undefined ? undefined : parseRegistryLocation(rawRegistry, 'registry');
  const model = rawModel === undefined ? undefined : parseModelName(rawModel, 'model');
  const version = rawVersion === undefined ? undefined : parseVersionRef(rawVersion, 'version');
  const rawModelPath = optionalInput('model-path');
  const modelPath = rawModelPath === undefined ? undefined : confinedPath('model-path', rawModelPath, { kind: 'folder' });
  const merge = booleanInput('merge', false);
  const publish = booleanInput('publish', false);
  const rawSuite = requiredInput('suite');
  const shard = optionalInput('shard');
  const rawReference = optionalInput('reference');
  const rawCurrent = optionalInput('current');
  const rawDownload = optionalInput('download-path');
  const rawShardReports = optionalInput('shard-reports');

  if (registry && !model) throw new ConfigurationError('`registry` needs `model`: the model whose versions to validate.');
  if (!registry && (rawBaseline || (rawVersion && !modelPath))) {
    throw new ConfigurationError('`baseline` and `version` read the model registry: set `registry` (s3://bucket/prefix) and `model`.');
  }
  if (registry && !version && !modelPath) throw new ConfigurationError('`registry` needs `version` (a version, `latest` or an environment such as `production`) or `model-path`.');
  if (publish && (!registry || !modelPath || version?.kind !== 'version')) {
    throw new ConfigurationError('`publish: true` needs `registry`, `model`, `model-path` (the files to publish) and `version` as a new semantic version such as `1.5.0`.');
  }
  if (merge && shard) throw new ConfigurationError('Only one of `merge` or `shard` can be set: shards run the cases, the merge run combines their reports.');
  if ((rawReference === undefined) !== (rawCurrent === undefined)) throw new ConfigurationError('Drift needs both `reference` and `current` datasets (CSV or JSONL).');

  return {
    registry,
    model,
    version,
    'model-path': modelPath,
    'download-path': rawDownload === undefined ? undefined : confinedPath('download-path', rawDownload, { kind: 'new' }),
    suite: { file: confinedPath('suite', rawSuite, { kind: 'file' }), display: annotationPath(rawSuite) },
    endpoint,
    'api-key': apiKey,
    'judge-endpoint': judgeEndpoint,
    'judge-api-key': judgeApiKey,
    'judge-model': optionalInput('judge-model'),
    timeout: durationInput('timeout', '60s'),
    retries: numberInput('retries', 2, { integer: true, min: 0, max: 10 }),
    repeats: optionalInput('repeats') === undefined ? undefined : numberInput('repeats', 1, { integer: true, min: 1, max: 100 }),
    'max-repeats': optionalInput('max-repeats') === undefined ? undefined : numberInput('max-repeats', 1, { integer: true, min: 1, max: 1000 }),
    concurrency: numberInput('concurrency', 4, { integer: true, min: 1, max: 1024 }),
    threshold: optionalInput('threshold') === undefined ? undefined : percentageInput('threshold', 90) / 100,
    confidence: percentageInput('confidence', 95, { allowZero: false, allowHundred: false }) / 100,
    interval: choiceInput('interval', ['wilson', 'clopper-pearson'] as const, 'wilson'),
    baseline: rawBaseline === undefined ? undefined : parseVersionRef(rawBaseline, 'baseline'),
    margin: percentageInput('margin', 2) / 100,
    reference: rawReference === undefined ? undefined : confinedPath('reference', rawReference, { kind: 'file' }),
    current: rawCurrent === undefined ? undefined : confinedPath('current', rawCurrent, { kind: 'file' }),
    'drift-limit': percentageInput('drift-limit', 50, { allowZero: false }) / 100,
    shard: shard === undefined ? undefined : parseShard(shard, 'shard'),
    merge,
    'shard-reports': rawShardReports === undefined ? undefined : confinedPath('shard-reports', rawShardReports),
    publish,
    framework: optionalInput('framework') ?? 'unknown',
    'github-token': token,
    'check-name': optionalInput('check-name') ?? 'model-validate',
    comment: booleanInput('comment', true),
    'artifact-name': artifactName(optionalInput('artifact-name') ?? 'model-validate-report'),
  };
}

/** Artifact names may not contain `"`, `:`, `<`, `>`, `|`, `*`, `?`, `\\`, `/` or line breaks. */
function artifactName(value: string): string {
  if (/[":<>|*?\\/\r\n]/.test(value) || value.length > 200) {
    throw invalidInput('artifact-name', value, 'an artifact name without `"`, `:`, `<`, `>`, `|`, `*`, `?`, `\\` or `/`');
  }
  return value;
}
