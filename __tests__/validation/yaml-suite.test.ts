import { describe, expect, it } from '@jest/globals';
import { parseDocument } from 'yaml';
import { openSuite } from '../../shared/validation/suite-file.js';
import { scanYamlSuite, yamlCaseTexts } from '../../shared/validation/yaml-cases.js';
import { folderWith } from './fixtures.js';

async function cases(path: string) {
  const s = await openSuite(path);
  const out = [];
  for await (const c of s.cases()) out.push(c);
  return { s, out };
}

/** What the whole-file parse of the yaml library makes of the same suite: the cases' values. */
function wholeParse(text: string): unknown[] {
  return (parseDocument(text).toJS() as { cases: unknown[] }).cases;
}

const TRICKY = `# a suite written by hand
name: tricky
cases:
- id: compact
  input: a list at column 0 under its key
  assert:
    - contains: x
# a comment between cases, at column 0

- id: block-scalar
  input: |
    a literal block
    - that looks like an item
    cases: and a key
  assert:
    - regex: "^a"
-   id: wide
    input: 'quoted: with a colon'
    vars: {a: 1, b: [2, 3]}
    assert: [{equals: "y"}]
threshold: 0.9
repeats: 2
`;

describe('YAML suites, streamed case by case', () => {
  it('reads a block-style list item by item with the same values and lines as a whole-file parse', async () => {
    const f = folderWith({ 's.yaml': TRICKY });
    const layout = await scanYamlSuite(f.path('s.yaml'));
    expect(layout.streamable).toBe(true);
    const { s, out } = await cases(f.path('s.yaml'));
    // Settings after the list are read too.
    expect(s.settings).toMatchObject({ name: 'tricky', threshold: 0.9, repeats: 2 });
    expect(out.map((c) => [c.id, c.line])).toEqual([['compact', 4], ['block-scalar', 10], ['wide', 17]]);
    expect(out.map((c) => c.input)).toEqual((wholeParse(TRICKY) as { input: string }[]).map((c) => c.input));
    expect(out[1].input).toBe('a literal block\n- that looks like an item\ncases: and a key\n');
    expect(out[2]).toMatchObject({ vars: { a: 1, b: [2, 3] }, assert: [{ type: 'equals', value: 'y' }] });
  });

  it('holds one file chunk of cases at a time: a 30,000-case suite arrives in several batches', async () => {
    const lines = ['cases:'];
    for (let i = 0; i < 30_000; i++) lines.push(`  - id: c${i}`, `    input: "What is ${i}?"`, '    assert:', `      - contains: "${i}"`);
    const f = folderWith({ 'big.yaml': `${lines.join('\n')}\n` });
    let batches = 0;
    let total = 0;
    let largest = 0;
    for await (const batch of yamlCaseTexts(f.path('big.yaml'))) {
      batches++;
      total += batch.length;
      largest = Math.max(largest, batch.length);
    }
    expect(total).toBe(30_000);
    expect(batches).toBeGreaterThan(3);
    expect(largest).toBeLessThan(30_000 / 3);
    const { out } = await cases(f.path('big.yaml'));
    expect(out[29_999]).toMatchObject({ id: 'c29999', line: 1 + 4 * 29_999 + 1, input: 'What is 29999?' });
  });

  it('parses whole what it cannot split safely: a flow list, anchors and aliases, several documents', async () => {
    const flow = 'cases: [{id: a, input: x, assert: [{contains: x}]}]\n';
    const aliases = 'cases:\n  - id: a\n    input: x\n    assert: &checks\n      - contains: x\n  - id: b\n    input: y\n    assert: *checks\n';
    const docs = 'name: one\ncases:\n  - id: a\n    input: x\n    assert: [{contains: x}]\n---\nname: two\n';
    const f = folderWith({ 'flow.yaml': flow, 'aliases.yaml': aliases, 'docs.yaml': docs });
    for (const name of ['flow.yaml', 'aliases.yaml', 'docs.yaml']) expect((await scanYamlSuite(f.path(name))).streamable).toBe(false);
    expect((await cases(f.path('flow.yaml'))).out.map((c) => c.id)).toEqual(['a']);
    const withAlias = (await cases(f.path('aliases.yaml'))).out;
    expect(withAlias[1]).toMatchObject({ id: 'b', assert: [{ type: 'contains', value: 'x' }] });
    await expect(cases(f.path('docs.yaml'))).rejects.toThrow(/docs\.yaml: not valid YAML at line \d+, column \d+/);
  });

  it('names the line in the file of a YAML error inside a case, and of one in the settings after the list', async () => {
    const inCase = 'name: s\ncases:\n  - id: a\n    input: x\n    assert:\n      - contains: x\n  - id: b\n    input: "unclosed\n    assert: []\n';
    const inSettings = 'cases:\n  - id: a\n    input: x\n    assert: [{contains: x}]\nthreshold: 0.9\nthreshold: 0.8\n';
    const f = folderWith({ 'c.yaml': inCase, 's.yaml': inSettings });
    await expect(cases(f.path('c.yaml'))).rejects.toThrow(/c\.yaml: not valid YAML at line (8|9|10), column \d+/);
    await expect(cases(f.path('s.yaml'))).rejects.toThrow(/s\.yaml: not valid YAML at line 6, column \d+: Map keys must be unique/);
  });

  it('refuses a YAML file without a cases list', async () => {
    const f = folderWith({ 'n.yaml': 'name: nothing\nthreshold: 0.9\n' });
    await expect(openSuite(f.path('n.yaml'))).rejects.toThrow(/n\.yaml: expected a mapping with a `cases:` list/);
  });
});
