/**
 * Fills a request template: a string that is exactly `{{input}}` or `{{vars.NAME}}` takes the value
 * itself (keeping numbers and objects), placeholders inside longer strings are interpolated.
 */
export function renderTemplate(template: unknown, values: { input: string; vars: Record<string, unknown> }): unknown {
  if (typeof template === 'string') {
    const whole = /^\{\{\s*([\w.-]+)\s*\}\}$/.exec(template);
    if (whole) return lookup(whole[1], values);
    return template.replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, key: string) => {
      const v = lookup(key, values);
      return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(template)) return template.map((t) => renderTemplate(t, values));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, values)]));
  }
  return template;
}

function lookup(key: string, values: { input: string; vars: Record<string, unknown> }): unknown {
  if (key === 'input') return values.input;
  if (key.startsWith('vars.')) return values.vars[key.slice(5)];
  return undefined;
}

/** The placeholders a template uses, to check them at the edge. */
export function placeholders(template: unknown): string[] {
  const text = JSON.stringify(template ?? null);
  return [...text.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]);
}
