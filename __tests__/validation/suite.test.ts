import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/errors.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSuite, compileCase } from '../../shared/validation/compile-suite.js';
import { openSuite } from '../../shared/validation/suite-file.js';
import { folderWith, jsonl } from './fixtures.js';

const YAML_SUITE = `name: capitals
repeats: 2
threshold: 0.8
endpoint:
  type: openai-chat
  url: http://127.0.0.1:1/v1
cases:
  - id: france
    input: Capital of France?
    assert:
      - contains: Paris
  # a comment line
  - id: japan
    input: Capital of Japan?
    repeats: 3
    assert:
      - type: icontains
        value: tokyo
        metric: accuracy
`;

async function collect(path: string) {
  const s = await openSuite(path);
  const cases = [];
  for await (const c of s.cases()) cases.push(c);
  return { s, cases };
}

describe('suite files', () => {
  it('reads YAML settings and cases with the line each case starts on', async () => {
    const f = folderWith({ 'suite.yaml': YAML_SUITE });
    const { s, cases } = await collect(f.path('suite.yaml'));
    expect(s.settings).toMatchObject({ name: 'capitals', repeats: 2, threshold: 0.8, endpoint: { type: 'openai-chat' } });
    expect(cases.map((c) => [c.id, c.line])).toEqual([['france', 8], ['japan', 13]]);
    expect(cases[0].assert).toEqual([{ type: 'contains', value: 'Paris' }]);
    expect(cases[1]).toMatchObject({ repeats: 3, assert: [{ type: 'icontains', value: 'tokyo', metric: 'accuracy' }] });
  });

  it('streams JSONL with an optional settings line, numbering lines as in the file', async () => {
    const f = folderWith({ 's.jsonl': `${JSON.stringify({ suite: { repeats: 4 } })}\n\n${jsonl([{ id: 'a', input: 'x', assert: [{ equals: 'y' }] }, { id: 7, input: 'z', assert: [{ regex: '^z' }] }])}` });
    const { s, cases } = await collect(f.path('s.jsonl'));
    expect(s.settings.repeats).toBe(4);
    expect(cases.map((c) => [c.id, c.line])).toEqual([['a', 3], ['7', 4]]);
  });

  it('numbers lines as in the file across the chunks it is read in, skipping blank lines and the settings line', async () => {
    // About 1.2 MB: several 256 KiB reads, with blank lines here and there.
    const rows = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ id: `c${i}`, input: `${'x'.repeat(150)} ${i}`, assert: [{ contains: String(i) }] }));
    const lines = [JSON.stringify({ suite: { repeats: 2 } }), ...rows.flatMap((r, i) => (i % 1000 === 999 ? [r, ''] : [r]))];
    const f = folderWith({ 'big.jsonl': `${lines.join('\n')}\n` });
    const { cases } = await collect(f.path('big.jsonl'));
    expect(cases).toHaveLength(6000);
    const lineOf = new Map(lines.map((text, i) => [text, i + 1]));
    expect(cases.map((c) => [c.id, c.line])).toEqual(rows.map((r, i) => [`c${i}`, lineOf.get(r)]));
    const s = await openSuite(f.path('big.jsonl'));
    let batches = 0;
    for await (const batch of s.batches()) if ([...batch].length) batches++;
    expect(batches).toBeGreaterThan(3);
  });

  it('refuses a duplicate case id, naming both lines', async () => {
    const f = folderWith({ 'd.jsonl': jsonl([{ id: 'a', input: 'x', assert: [{ equals: 'y' }] }, { id: 'b', input: 'x', assert: [{ equals: 'y' }] }, { id: 'a', input: 'x', assert: [{ equals: 'y' }] }]) });
    const s = await openSuite(f.path('d.jsonl'));
    await expect(checkSuite(s, f.dir)).rejects.toThrow(/duplicate case id `a` at line 3 \(first at line 1\)/);
  });

  it('refuses an unknown assertion, listing the known ones', async () => {
    const f = folderWith({ 'u.yaml': 'cases:\n  - id: a\n    input: x\n    assert:\n      - sounds-like: y\n' });
    const err = await checkSuite(await openSuite(f.path('u.yaml')), f.dir).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toMatch(/Case `a` \(.*u\.yaml line 2\): unknown assertion `sounds-like`\. Expected one of .*`contains`/);
  });

  it('refuses an invalid regex with the engine’s reason', async () => {
    const f = folderWith({ 'r.jsonl': jsonl([{ id: 'bad', input: 'x', assert: [{ regex: '(unclosed' }] }]) });
    await expect(checkSuite(await openSuite(f.path('r.jsonl')), f.dir)).rejects.toThrow(/Case `bad` .*line 1\): invalid `regex` "\(unclosed": .*Unterminated group/);
  });

  it('refuses a regex too large for the engine when the suite is read, naming the case, its line and the reason', async () => {
    const rows = [{ id: 'fine', input: 'x', assert: [{ regex: 'x' }] }, { id: 'huge', input: 'x', assert: [{ regex: 'x'.repeat(40_000) }] }];
    const f = folderWith({ 'r.jsonl': jsonl(rows) });
    const error = await checkSuite(await openSuite(f.path('r.jsonl')), f.dir).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^Case `huge` \(.*r\.jsonl line 2\): invalid `regex` "x{79}…" \(40000 characters\): Regular expression too large\.$/);
  });

  it('refuses bad JSON, a case without assertions, and an unknown file type', async () => {
    const f = folderWith({ 'b.jsonl': '{"id": "a", "input": "x", "assert": [{"equals": "y"}]}\n{nope\n', 'n.jsonl': jsonl([{ id: 'a', input: 'x', assert: [] }]), 's.txt': '' });
    await expect(checkSuite(await openSuite(f.path('b.jsonl')), f.dir)).rejects.toThrow(/line 2: not valid JSON/);
    await expect(checkSuite(await openSuite(f.path('n.jsonl')), f.dir)).rejects.toThrow(/Case `a` \(.*n.jsonl line 1\): `assert` is \[\], expected a non-empty list of assertions\./);
    await expect(openSuite(f.path('s.txt'))).rejects.toThrow(/Expected a \.yaml, \.yml or \.jsonl file/);
    await expect(openSuite(f.path('missing.yaml'))).rejects.toThrow(/Cannot read `suite`.*ENOENT/);
  });

  it('refuses an invalid JSON Schema and a custom module that does not exist', async () => {
    const f = folderWith({
      's.jsonl': jsonl([{ id: 'a', input: 'x', assert: [{ 'is-json': true, schema: { type: 'no-such-type' } }] }]),
      'c.jsonl': jsonl([{ id: 'c', input: 'x', assert: [{ custom: './nope.mjs' }] }]),
    });
    await expect(checkSuite(await openSuite(f.path('s.jsonl')), f.dir)).rejects.toThrow(/invalid JSON Schema/);
    await expect(checkSuite(await openSuite(f.path('c.jsonl')), f.dir)).rejects.toThrow(/`custom`: '.\/nope.mjs' does not exist/);
  });

  it.each([
    ['ESM (.mjs)', 'check.mjs', 'export default (output) => output.includes("rain");\n'],
    ['ESM (.js, by its syntax)', 'check.js', 'export function check(output) { return output.includes("rain"); }\n'],
    ['CommonJS (.cjs)', 'check.cjs', 'module.exports = (output) => output.includes("rain");\n'],
    ['CommonJS (.cjs, named)', 'named.cjs', 'exports.check = (output) => ({ pass: output.includes("rain"), reason: "no rain" });\n'],
    ['CommonJS (.cjs, an object)', 'object.cjs', 'module.exports = { check: (output) => output.includes("rain") };\n'],
    ['CommonJS (.cjs, transpiled default)', 'transpiled.cjs', 'Object.defineProperty(exports, "__esModule", { value: true });\nexports.default = (output) => output.includes("rain");\n'],
  ])('loads a `custom` module written as %s, relative to the suite file', async (_, file, code) => {
    const f = folderWith({ 'c.jsonl': jsonl([{ id: 'c', input: 'x', assert: [{ custom: `./checks/${file}` }] }]) });
    mkdirSync(join(f.dir, 'checks'));
    writeFileSync(join(f.dir, 'checks', file), code);
    const source = await openSuite(f.path('c.jsonl'));
    let checked = 0;
    for await (const c of source.cases()) {
      const compiled = await compileCase(c, f.dir, 'c.jsonl');
      expect(await compiled.checks[0].check({ output: 'rain today', latencyMs: 1, input: 'x', vars: {}, caseId: 'c' })).toMatchObject({ pass: true });
      expect(await compiled.checks[0].check({ output: 'sunny', latencyMs: 1, input: 'x', vars: {}, caseId: 'c' })).toMatchObject({ pass: false });
      checked++;
    }
    expect(checked).toBe(1);
  });

  it('refuses a `custom` module that throws while loading or exports no function, naming the case and its line', async () => {
    const f = folderWith({
      'throws.jsonl': jsonl([{ id: 'loud', input: 'x', assert: [{ custom: './throws.mjs' }] }]),
      'empty.jsonl': jsonl([{ id: 'quiet', input: 'x', assert: [{ custom: './empty.cjs' }] }]),
      'throws.mjs': 'throw new Error("no API key for the grader");\n',
      'empty.cjs': 'module.exports = { threshold: 3 };\n',
    });
    await expect(checkSuite(await openSuite(f.path('throws.jsonl')), f.dir)).rejects.toThrow(/^Case `loud` \(.*throws\.jsonl line 1\): cannot load `custom` module '\.\/throws\.mjs': no API key for the grader$/);
    await expect(checkSuite(await openSuite(f.path('empty.jsonl')), f.dir)).rejects.toThrow(/^Case `quiet` \(.*empty\.jsonl line 1\): `custom` module '\.\/empty\.cjs' exports no function \(default or `check`\)\.$/);
  });
});
