import { ConfigurationError } from '../action/errors.js';
import { maskSecret } from '../action/secrets.js';
import { parseYamlBlock } from '../parse/yaml.js';
import { HookFields, isMapping, show } from './hook-fields.js';
import { defaultWorkspace, loadJobManifest } from './job-manifest.js';
import { parseHttpHook } from './parse-http.js';
import { envNames } from './placeholders.js';
import { HOOK_KINDS, HOOK_STAGES, STAGE_ACTIONS, type Hook, type HookPlan, type HookStage, type HttpHook, type JobHook } from './types.js';

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
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_MAX = 40;

/**
 * Parses a `hooks` input: a mapping of stage to a list of hooks. Checks everything a mistake could
 * hide in (stages, kinds, fields, durations, statuses, URLs, Job manifest files, environment
 * placeholders) and masks every environment value a hook will send. Empty input: no hooks.
 */
export function parseHooks(text: string | undefined, options: ParseHooksOptions): HookPlan {
  const input = options.input ?? 'hooks';
  if (text === undefined || text.trim() === '') return {};
  const raw = parseYamlBlock(text, input);
  if (raw === null || raw === undefined) return {};
  const allowed = options.allowedStages.map((s) => `\`${s}\``).join(', ');
  if (!isMapping(raw)) {
    throw new ConfigurationError(`Invalid \`${input}\`: ${show(raw)}. Expected a mapping of stage (${allowed}) to a list of hooks.`);
  }
  const plan: HookPlan = {};
  for (const [stage, list] of Object.entries(raw)) {
    if (!(HOOK_STAGES as string[]).includes(stage)) {
      throw new ConfigurationError(`Invalid \`${input}\`: unknown stage \`${stage}\`. Expected ${allowed}.`);
    }
    if (!options.allowedStages.includes(stage as HookStage)) {
      const action = STAGE_ACTIONS[stage as HookStage];
      throw new ConfigurationError(`Invalid \`${input}\`: \`${stage}\` hooks run in ${action}, not in this action. Expected ${allowed}.`);
    }
    plan[stage as HookStage] = parseStage(input, stage as HookStage, list, options);
  }
  return plan;
}

function parseStage(input: string, stage: HookStage, list: unknown, options: ParseHooksOptions): Hook[] {
  if (list === null) return [];
  if (!Array.isArray(list)) throw new ConfigurationError(`Invalid \`${input}\`: \`${stage}\` is ${show(list)}. Expected a list of hooks.`);
  const names = new Set<string>();
  return list.map((item, i) => {
    if (!isMapping(item)) throw new ConfigurationError(`Invalid \`${input}\`: ${stage} hook #${i + 1} is ${show(item)}. Expected a mapping with \`kind\`.`);
    const name = parseName(input, stage, item.name, `${typeof item.kind === 'string' ? item.kind : 'hook'}-${i + 1}`);
    if (names.has(name)) throw new ConfigurationError(`Invalid \`${input}\`: two ${stage} hooks are named \`${name}\`. Expected unique names.`);
    names.add(name);
    return parseHook(new HookFields(input, stage, name, item), options);
  });
}

function parseName(input: string, stage: HookStage, raw: unknown, fallback: string): string {
  if (raw === undefined || raw === null) return fallback;
  const name = String(raw);
  if (name.length > NAME_MAX || !NAME.test(name)) {
    throw new ConfigurationError(
      `Invalid \`${input}\`: ${stage} hook name ${show(raw)}. Expected lower-case letters, digits and '-', at most ${NAME_MAX} characters (it names the hook's Job).`,
    );
  }
  return name;
}

function parseHook(f: HookFields, options: ParseHooksOptions): Hook {
  const kinds = HOOK_KINDS.map((k) => `\`${k}\``).join(' or ');
  const kind = f.requiredText('kind', kinds);
  if (kind === 'http') return checkEnv(f, parseHttpHook(f), options.env ?? process.env);
  if (kind === 'job') return parseJobHook(f, options.workspace ?? defaultWorkspace());
  throw f.error('kind', kind, kinds);
}

function parseJobHook(f: HookFields, workspace: string): JobHook {
  f.onlyKeys(['name', 'kind', 'manifest', 'timeout']);
  const manifest = f.requiredText('manifest', 'the path of a Job manifest file in the repository');
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
