import { renderPlain, type TemplateValues } from '../template.js';

/** What a tag value may hold in a Datadog query (no space, comma, brace or quote that would end the tag). */
const TAG_VALUE = /^[A-Za-z0-9_.:/-]+$/;

/**
 * `{{target}}` and `{{interval}}` (seconds, e.g. for `.rollup(sum, {{interval}})`) in a Datadog metrics query.
 * A target name that could not stand as a tag value is refused rather than allowed to change the query.
 */
export function renderDatadogQuery(query: string, values: TemplateValues): string {
  if (!TAG_VALUE.test(values.target)) throw new Error(`The target name '${values.target}' cannot stand as a Datadog tag value (letters, digits, _ . : / - only).`);
  return renderPlain(query, values);
}
