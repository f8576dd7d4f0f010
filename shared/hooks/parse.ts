import { ConfigurationError } from '../errors.js';
import { maskSecret } from '../action/secrets.js';
import { parseYamlBlock } from '../parse/yaml.js';
import { HookFields, hookName, type RawHook } from './hook-fields.js';
import { defaultWorkspace, loadJobManifest } from './job-manifest.js';
import { parseHttpHook } from './parse-http.js';
import { checkHooksShape } from './schema.js';
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
  checkHooksShape(raw, input, options.allowedStages);
  const allowed = options.allowedStages.map((s) => `\`${s}\``).join(', ');
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

function parseStage(input: string, stage: HookStage, list: unknown[], options: ParseHooksOptions): Hook[] {
  const names = new Set<string>();
  return list.map((item, i) => {
    const name = hookName(item, i);
    if (names.has(name)) throw new ConfigurationError(`Invalid \`${input}\`: two ${stage} hooks are named \`${name}\`. Expected unique names.`);
    names.add(name);
    return parseHook(new HookFields(input, stage, name, item as RawHook), options);
  });
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
