import { ConfigurationError } from '../action/errors.js';
import { maskSecret } from '../action/secrets.js';
import { parseYamlBlock } from '../parse/yaml.js';
import { HookFields, isMapping, show, type RawHook } from './hook-fields.js';
import { defaultWorkspace, loadJobManifest } from './job-manifest.js';
import { parseHttpHook } from './parse-http.js';
import { firstSchemaError, type SchemaComplaint } from './schema.js';
import { envNames } from './placeholders.js';
import { STAGE_ACTIONS, type Hook, type HookPlan, type HookStage, type HttpHook, type JobHook } from './types.js';

export interface ParseHooksOptions {
  /** The input's name, for messages (default `hooks`). */
  input?: string;
  /** The stages the calling action runs. */
  allowedStages: readonly HookStage[];
  /** Where Job manifest paths are read from (default `GITHUB_WORKSPACE`, else the working directory). */
  workspace?: string;
  /** Where `{{env.NAME}}` must be set (default `process.env`). */
  env?: Record<string, string | undefined>;
}

export const JOB_DEFAULTS = { timeoutMs: 5 * 60_000, duringTimeoutMs: 60 * 60_000 };

/**
 * Parses a `hooks` input: a mapping of stage to a list of hooks. The shape (stages, kinds, fields and
 * their forms) is checked against schemas/hooks.schema.json; then what a schema cannot say: the stages
 * this action runs, unique names, durations, URLs, Job manifest files, environment placeholders. Every
 * environment value a hook will send is masked. Empty input: no hooks.
 */
export function parseHooks(text: string | undefined, options: ParseHooksOptions): HookPlan {
  const input = options.input ?? 'hooks';
  if (text === undefined || text.trim() === '') return {};
  const raw = parseYamlBlock(text, input);
  if (raw === null || raw === undefined) return {};
  const allowed = options.allowedStages.map((s) => `\`${s}\``).join(', ');
  const complaint = firstSchemaError(raw);
  if (complaint) throw schemaError(input, raw, complaint, allowed);
  const plan: HookPlan = {};
  for (const [stage, list] of Object.entries(raw as Record<string, unknown[] | null>)) {
    if (!options.allowedStages.includes(stage as HookStage)) {
      const action = STAGE_ACTIONS[stage as HookStage];
      throw new ConfigurationError(`Invalid \`${input}\`: \`${stage}\` hooks run in ${action}, not in this action. Expected ${allowed}.`);
    }
    plan[stage as HookStage] = parseStage(input, stage as HookStage, list ?? [], options);
  }
  return plan;
}

/** A hook's name as written, or `<kind>-<n>` when it has none. */
function hookName(item: unknown, i: number): string {
  const raw = isMapping(item) ? item : {};
  if (typeof raw.name === 'string') return raw.name;
  return `${typeof raw.kind === 'string' ? raw.kind : 'hook'}-${i + 1}`;
}

function parseStage(input: string, stage: HookStage, list: unknown[], options: ParseHooksOptions): Hook[] {
  const names = new Set<string>();
  return list.map((item, i) => {
    const name = hookName(item, i);
    if (names.has(name)) throw new ConfigurationError(`Invalid \`${input}\`: two ${stage} hooks are named \`${name}\`. Expected unique names.`);
    names.add(name);
    return parseHook(new HookFields(input, stage, name, item as RawHook), options);
  });
}

/**
 * The schema's complaint in the words of the rest of the parser: the input, where in the YAML (stage,
 * hook, field), the value, and what was expected (the schema's `expected` annotation).
 */
function schemaError(input: string, raw: unknown, { error, expected: annotated }: SchemaComplaint, allowed: string): ConfigurationError {
  const path = error.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const expected = () => annotated ?? error.message ?? 'a value the schema allows';
  if (path.length === 0) {
    if (error.keyword === 'additionalProperties') {
      return new ConfigurationError(`Invalid \`${input}\`: unknown stage \`${String(error.params.additionalProperty)}\`. Expected ${allowed}.`);
    }
    return new ConfigurationError(`Invalid \`${input}\`: ${show(raw)}. Expected a mapping of stage (${allowed}) to a list of hooks.`);
  }
  const [stage, index, ...rest] = path;
  if (path.length === 1) return new ConfigurationError(`Invalid \`${input}\`: \`${stage}\` is ${show(error.data)}. Expected ${expected()}.`);
  const i = Number(index);
  const item = (raw as Record<string, unknown[]>)[stage][i];
  if (path.length === 2 && error.keyword === 'type') {
    return new ConfigurationError(`Invalid \`${input}\`: ${stage} hook #${i + 1} is ${show(item)}. Expected ${expected()}.`);
  }
  const f = new HookFields(input, stage as HookStage, hookName(item, i), item as RawHook);
  // Array positions (a list of statuses) are not fields: the list is.
  const field = rest.filter((p) => !/^\d+$/.test(p)).join('.');
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty);
    const where = [field, missing].filter(Boolean).join('.');
    return new ConfigurationError(`${f.where(where)}: missing. Expected ${expected()}.`);
  }
  if (error.keyword === 'additionalProperties') {
    const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).map((k) => `\`${k}\``).join(', ');
    const key = String(error.params.additionalProperty);
    if (field === '') return new ConfigurationError(`${f.where()}: unknown field \`${key}\`. Expected only ${known}.`);
    return f.error(field, key, `only ${known}`);
  }
  if (error.propertyName !== undefined) return f.error(field, error.propertyName, expected());
  if (field === 'name') return new ConfigurationError(`Invalid \`${input}\`: ${stage} hook name ${show(error.data)}. Expected ${expected()}.`);
  return f.error(field, error.data, expected());
}

function parseHook(f: HookFields, options: ParseHooksOptions): Hook {
  if (f.raw.kind === 'http') return checkEnv(f, parseHttpHook(f), options.env ?? process.env);
  return parseJobHook(f, options.workspace ?? defaultWorkspace());
}

function parseJobHook(f: HookFields, workspace: string): JobHook {
  const manifest = String(f.raw.manifest);
  const fallback = f.stage === 'during' ? JOB_DEFAULTS.duringTimeoutMs : JOB_DEFAULTS.timeoutMs;
  return {
    kind: 'job',
    name: f.name,
    manifest,
    job: loadJobManifest(f, manifest, workspace),
    timeoutMs: f.duration('timeout', fallback),
  };
}

/** Every `{{env.NAME}}` a hook sends must be set now; its value is masked from here on. */
function checkEnv(f: HookFields, hook: HttpHook, env: Record<string, string | undefined>): HttpHook {
  const texts: [string, string][] = [
    hook.target.via === 'url' ? ['url', hook.target.url] : ['path', hook.target.path],
    ['body', hook.body?.text ?? ''],
    ...Object.entries(hook.headers).map(([k, v]): [string, string] => [`headers.${k}`, v]),
  ];
  for (const [field, text] of texts) {
    for (const name of envNames(text)) {
      const value = env[name];
      if (value === undefined || value === '') {
        throw new ConfigurationError(
          `${f.where(field)}: \`{{env.${name}}}\` needs the environment variable \`${name}\`, which is not set. Expected it in the step's \`env:\` (for example \`${name}: \${{ secrets.${name} }}\`).`,
        );
      }
      maskSecret(value);
    }
  }
  return hook;
}
