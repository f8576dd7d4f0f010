import { TEMPLATE_NAMES, type TemplateValues } from './types.js';

/**
 * `{{image}}`, `{{model-version}}`, `{{namespace}}` are template values from the action;
 * `{{env.NAME}}` is a secret or setting read from the environment when the hook runs.
 * Written without `$`, so GitHub leaves them alone in a workflow file.
 */
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;
const ENV_NAME = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/;

export interface PlaceholderProblem {
  placeholder: string;
  expected: string;
}

/** The placeholders in a text that are not known names, or (when `allowEnv` is false) that read the environment. */
export function unknownPlaceholders(text: string, allowEnv: boolean): PlaceholderProblem[] {
  const problems: PlaceholderProblem[] = [];
  for (const [whole, name] of text.matchAll(PLACEHOLDER)) {
    if ((TEMPLATE_NAMES as readonly string[]).includes(name)) continue;
    if (allowEnv && ENV_NAME.test(name)) continue;
    const known = TEMPLATE_NAMES.map((n) => `\`{{${n}}}\``).join(', ');
    problems.push({
      placeholder: whole,
      expected: allowEnv
        ? `one of ${known} or \`{{env.NAME}}\``
        : `one of ${known} (environment values are not put in Job manifests: use a Kubernetes Secret)`,
    });
  }
  return problems;
}

/** The environment variable names a text reads with `{{env.NAME}}`. */
export function envNames(text: string): string[] {
  const names: string[] = [];
  for (const [, name] of text.matchAll(PLACEHOLDER)) {
    const m = ENV_NAME.exec(name);
    if (m) names.push(m[1]);
  }
  return names;
}

export class MissingValueError extends Error {
  override name = 'MissingValueError';
}

/**
 * Replaces placeholders. With `env` undefined, `{{env.NAME}}` stays as written: that is the form
 * shown in logs and summaries. A template value the action did not provide is an error.
 */
export function render(
  text: string,
  values: TemplateValues,
  env?: Record<string, string | undefined>,
  escape: (value: string) => string = (v) => v,
): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const envName = ENV_NAME.exec(name)?.[1];
    if (envName !== undefined) {
      if (env === undefined) return whole;
      const value = env[envName];
      if (value === undefined) throw new MissingValueError(`environment variable \`${envName}\` is not set`);
      return escape(value);
    }
    const value = values[name as keyof TemplateValues];
    if (value === undefined) throw new MissingValueError(`template value \`${whole}\` is not available in this stage`);
    return escape(value);
  });
}

/** Escapes a value put inside a JSON string literal. */
export const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

/** The form shown in logs and summaries: known values filled in, anything else (secrets above all) as written. */
export function displayForm(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name as keyof TemplateValues] ?? whole);
}

/** Renders every string inside a JSON-like value (keys included), leaving its shape alone. */
export function renderDeep<T>(value: T, values: TemplateValues): T {
  if (typeof value === 'string') return render(value, values) as T;
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, values)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [render(k, values), renderDeep(v, values)])) as T;
  }
  return value;
}

/** Every string inside a JSON-like value, for checking placeholders. */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...allStrings(v)]);
  return [];
}
