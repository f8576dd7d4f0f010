/** `{{target}}` and `{{interval}}` placeholders in queries and dimension values (spaces inside braces allowed). */
const PLACEHOLDER = /\{\{\s*(target|interval)\s*\}\}/g;

export function hasTargetPlaceholder(text: string): boolean {
  return /\{\{\s*target\s*\}\}/.test(text);
}

export interface TemplateValues {
  target: string;
  /** The interval as a Prometheus duration, e.g. `60s`. */
  interval?: string;
}

/** Plain substitution, for CloudWatch dimension values (no quoting language around them). */
export function renderPlain(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => (name === 'target' ? values.target : (values.interval ?? whole)));
}

/**
 * Substitution into a PromQL query. A value inside a quoted string is escaped for that string's quote
 * (PromQL accepts only the opening quote as an escaped quote); a raw backtick string cannot hold a
 * backtick, and a value outside any string must be a plain name, so neither can break the query.
 */
export function renderPromQL(query: string, values: TemplateValues): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < query.length; ) {
    PLACEHOLDER.lastIndex = i;
    const m = PLACEHOLDER.exec(query);
    if (m && m.index === i) {
      const value = m[1] === 'target' ? values.target : (values.interval ?? m[0]);
      out += escapeFor(quote, value);
      i += m[0].length;
      continue;
    }
    const ch = query[i];
    if (quote && quote !== '`' && ch === '\\') {
      out += query.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'" || ch === '`')) quote = ch;
    else if (ch === quote) quote = undefined;
    out += ch;
    i++;
  }
  return out;
}

function escapeFor(quote: string | undefined, value: string): string {
  if (quote === '"' || quote === "'") {
    return value.replace(/\\/g, '\\\\').replace(quote === '"' ? /"/g : /'/g, `\\${quote}`).replace(/\n/g, '\\n');
  }
  if (quote === '`') {
    if (value.includes('`')) throw new Error(`The target name '${value}' cannot be placed in a backtick string.`);
    return value;
  }
  if (!/^[A-Za-z0-9_:.-]+$/.test(value)) throw new Error(`The target name '${value}' must be quoted in the query.`);
  return value;
}

/** A JSON Schema `pattern` for a text holding `{{target}}` (spaces inside the braces allowed), as hasTargetPlaceholder. */
export const TARGET_PATTERN = '\\{\\{\\s*target\\s*\\}\\}';
