import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';
import { PROVIDER_NAMES, type ProviderName } from '../../shared/metrics/registry.js';
import { metricsSchema } from '../../shared/metrics/schema.js';

const root = new URL('../../', import.meta.url);
const SCHEMA_FILE = new URL('schemas/metrics.schema.json', root);
const DOCS = new URL('docs/metrics.md', root);
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof AjvModule;

/** The fenced YAML examples of docs/metrics.md, each with the provider its `# provider:` line names (none: replay). */
function examples(): { yaml: string; provider?: ProviderName; invalid?: string; line: number }[] {
  const text = readFileSync(DOCS, 'utf8');
  const out: { yaml: string; provider?: ProviderName; invalid?: string; line: number }[] = [];
  const fence = /```yaml\n([\s\S]*?)```/g;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const yaml = m[1];
    const provider = /^# provider: (\S+)/m.exec(yaml)?.[1] as ProviderName | undefined;
    const invalid = /^# refused: (.+)$/m.exec(yaml)?.[1];
    out.push({ yaml, provider, invalid, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

describe('the metrics schema', () => {
  it('in schemas/ is the one the parser composes from the engine\'s fields and every provider\'s fragment', () => {
    // UPDATE_SCHEMAS=1 writes it after a change to the fields or the registry.
    const composed = `${JSON.stringify(metricsSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(SCHEMA_FILE, composed);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(composed);
  });

  it('is a valid draft-07 schema for a plain validator (as an editor reads it)', () => {
    const ajv = new Ajv({ strict: false });
    expect(() => ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')))).not.toThrow();
  });

  it('names every registered provider\'s fields', () => {
    const properties = Object.keys((metricsSchema().definitions as { metric: { properties: object } }).metric.properties);
    for (const provider of PROVIDER_NAMES) {
      for (const field of Object.keys((metricsSchema(provider).definitions as { metric: { properties: object } }).metric.properties)) expect(properties).toContain(field);
    }
  });
});

describe('docs/metrics.md', () => {
  const all = examples();

  it('has examples for every provider, each telling editors the schema', () => {
    for (const provider of PROVIDER_NAMES) expect(all.some((e) => e.provider === provider)).toBe(true);
    for (const e of all) expect(e.yaml).toMatch(/^# yaml-language-server: \$schema=https:\/\/raw\.githubusercontent\.com\/org\/ai-deploy\/v1\/schemas\/metrics\.schema\.json$/m);
  });

  it('every example is read by the parser with its provider, or refused with the error it shows', () => {
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const e of all) {
      if (e.invalid) {
        expect(() => parseMetricSpecs(e.yaml, 'metrics', e.provider)).toThrow(e.invalid);
      } else {
        const specs = parseMetricSpecs(e.yaml, 'metrics', e.provider);
        expect(specs.length).toBeGreaterThan(0);
        if (e.provider) for (const s of specs) expect(s.source?.provider).toBe(e.provider);
      }
    }
  });

  it('every valid example also passes the committed schema as a plain validator reads it', () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    for (const e of all.filter((x) => !x.invalid)) expect({ line: e.line, ok: validate(parse(e.yaml)), errors: validate.errors ?? null }).toEqual({ line: e.line, ok: true, errors: null });
  });

  it('is linked from the README', () => {
    expect(readFileSync(new URL('README.md', root), 'utf8')).toContain('docs/metrics.md');
  });
});
