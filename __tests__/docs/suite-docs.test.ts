import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ASSERTION_KINDS } from '../../shared/validation/assertions/compile.js';
import { prepareValidation } from '../../shared/validation/validate.js';
import { folderWith } from '../validation/fixtures.js';

const root = new URL('../../', import.meta.url).pathname;
const page = readFileSync(join(root, 'docs/suite.md'), 'utf8');

/** The fenced code blocks of the page, with their language. */
const blocks = [...page.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2] }));
/** `js` blocks whose first line is `// <path>`: modules the examples load. */
const modules = Object.fromEntries(blocks.filter((b) => b.lang === 'js').map((b) => [/^\/\/ (\S+)/.exec(b.text)![1], b.text]));
const suites = blocks.filter((b) => b.lang === 'yaml' || b.lang === 'jsonl');

/** Reads a suite as model-validate does before any request: schema, assertions, endpoint, judge, streaming. */
async function prepare(text: string, ext: string) {
  const f = folderWith({});
  for (const [path, code] of Object.entries(modules)) {
    mkdirSync(dirname(join(f.dir, path)), { recursive: true });
    writeFileSync(join(f.dir, path), code);
  }
  const file = join(f.dir, `suite.${ext}`);
  writeFileSync(file, text);
  const settings = (ext === 'jsonl' ? (JSON.parse(text.split('\n')[0]) as { suite?: object }).suite : parse(text)) as { endpoint?: { url?: string } } | undefined;
  const hasUrl = Boolean(settings?.endpoint?.url);
  return prepareValidation({ suiteFile: file, endpoint: { url: hasUrl ? undefined : 'http://127.0.0.1:1/v1', timeoutMs: 1000, retries: 0 }, concurrency: 1, confidence: 0.95, method: 'wilson' });
}

describe('docs/suite.md', () => {
  it('has suite examples, each one a suite model-validate accepts', async () => {
    expect(suites.length).toBeGreaterThanOrEqual(8);
    for (const [i, b] of suites.entries()) {
      const prepared = await prepare(b.text, b.lang === 'jsonl' ? 'jsonl' : 'yaml').catch((e: Error) => Promise.reject(new Error(`example ${i + 1}: ${e.message}`)));
      expect(prepared.check.total).toBeGreaterThan(0);
    }
  });

  it('shows every assertion kind in an example and in the table, and each table example is a valid assertion', async () => {
    const used = new Set<string>();
    for (const b of suites.filter((s) => s.lang === 'yaml')) {
      for (const c of (parse(b.text) as { cases: { assert: Record<string, unknown>[] }[] }).cases) for (const a of c.assert) for (const k of Object.keys(a)) used.add(k);
    }
    const rows = [...page.matchAll(/^\| `([a-z-]+)` \| `(\{.*?\})` \|/gm)].map((m) => ({ kind: m[1], example: m[2] }));
    for (const kind of ASSERTION_KINDS) {
      expect([kind, used.has(kind)]).toEqual([kind, true]);
      expect([kind, rows.some((r) => r.kind === kind)]).toEqual([kind, true]);
    }
    const cases = rows.map((r, i) => `  - {id: row-${i}, input: x, assert: [${r.example}]}`).join('\n');
    const prepared = await prepare(`endpoint: {url: 'http://127.0.0.1:1/v1', stream: true}\njudge: {url: 'http://127.0.0.1:1/v1'}\ncases:\n${cases}\n`, 'yaml');
    expect(prepared.check.total).toBe(rows.length);
    for (const r of rows) expect([r.kind, Object.keys(parse(r.example) as object)[0]]).toEqual([r.kind, r.kind]);
  });

  it('points editors at the schema the parser uses, and the README links the page', () => {
    const line = /^# yaml-language-server: \$schema=(\S+)$/m.exec(page)?.[1];
    expect(line).toMatch(/\/schemas\/suite\.schema\.json$/);
    expect(existsSync(join(root, 'schemas/suite.schema.json'))).toBe(true);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('(docs/suite.md)');
  });
});
