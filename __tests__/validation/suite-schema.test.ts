import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { checkSuite } from '../../shared/validation/compile-suite.js';
import { openSuite } from '../../shared/validation/suite-file.js';
import { folderWith } from './fixtures.js';

async function read(yaml: string) {
  const f = folderWith({ 's.yaml': yaml });
  return checkSuite(await openSuite(f.path('s.yaml'), 's.yaml'), f.dir);
}

const CASE = 'cases:\n  - {id: a, input: x, assert: [{contains: x}]}\n';

describe('the suite schema (schemas/suite.schema.json) as the parser applies it', () => {
  it.each([
    ['repeats: 0\n', 'Suite s.yaml line 2: `repeats` is 0, expected a positive integer.'],
    ['threshold: 1.5\n', 'Suite s.yaml line 2: `threshold` is 1.5, expected a number from 0 to 1.'],
    ['metrics: {safety: {threshold: 2}}\n', 'Suite s.yaml line 2: `metrics.safety.threshold` is 2, expected a number from 0 to 1.'],
    ['endpoint: {type: grpc}\n', 'Suite s.yaml line 2: `endpoint.type` is "grpc", expected `openai-chat` or `http-json`.'],
    ['endpoint: {headers: {x-n: 5}}\n', 'Suite s.yaml line 2: `endpoint.headers.x-n` is 5, expected a string.'],
    ['endpoint: {response-path: answer}\n', 'Suite s.yaml line 2: `endpoint.response-path` is "answer", expected a JSONPath starting with `$`.'],
    ['endpoint: {stream: "yes"}\n', 'Suite s.yaml line 2: `endpoint.stream` is "yes", expected true or false.'],
    ['endpoint: {price-per-1k-tokens: {input: -1}}\n', 'Suite s.yaml line 2: `endpoint.price-per-1k-tokens.input` is -1, expected a price of 0 or more.'],
    ['endpoint: {timeout: 5}\n', 'Suite s.yaml line 2: unknown key `timeout` in `endpoint`. Expected one of `type`, `kind`, `url`, `model`, `system`, `params`, `request`, `response-path`, `headers`, `stream`, `price-per-1k-tokens`.'],
    ['repeat: 3\n', 'Suite s.yaml line 2: unknown key `repeat`. Expected one of `name`, `endpoint`, `judge`, `repeats`, `pass-rule`, `threshold`, `metrics`.'],
  ])('refuses settings %j naming the path, the value and what was expected', async (settings, message) => {
    await expect(read(`name: n\n${settings}${CASE}`)).rejects.toThrow(message);
  });

  it('names the line of the bad value inside a case written over several lines, streamed or read whole', async () => {
    const multiLine = '  - id: a\n    input: x\n    assert:\n      - contains: x\n      - latency-ms: -5\n';
    await expect(read(`name: n\ncases:\n${multiLine}`)).rejects.toThrow('Case `a` (s.yaml line 7): `assert[1].latency-ms` is -5, expected a positive number.');
    // An alias keeps the suite from being streamed: it is read whole.
    await expect(read(`name: n\nshared: &x {contains: x}\ncases:\n  - {id: b, input: x, assert: [*x]}\n${multiLine}`)).rejects.toThrow(/unknown key `shared`/);
    await expect(read(`name: &n n\ncases:\n  - {id: b, input: *n, assert: [{contains: x}]}\n${multiLine}`)).rejects.toThrow('Case `a` (s.yaml line 8): `assert[1].latency-ms` is -5, expected a positive number.');
  });

  it('names the line of the settings of a JSONL suite', async () => {
    const f = folderWith({ 's.jsonl': '\n{"suite": {"repeats": "two"}}\n{"id": "a", "input": "x", "assert": [{"contains": "x"}]}\n' });
    await expect(openSuite(f.path('s.jsonl'), 's.jsonl')).rejects.toThrow('Suite s.jsonl line 2: `repeats` is "two", expected a positive integer.');
  });

  it('names the line of a setting also in a suite read whole (a flow-style case list)', async () => {
    await expect(read('name: n\nendpoint:\n  model: m\n  stream: 1\ncases: [{id: a, input: x, assert: [{contains: x}]}]\n')).rejects.toThrow(
      'Suite s.yaml line 4: `endpoint.stream` is 1, expected true or false.',
    );
  });

  it.each([
    ['{id: a, assert: [{contains: x}]}', 'Case `a` (s.yaml line 3): needs `input`'],
    ['{id: "", input: x, assert: [{contains: x}]}', 'Suite s.yaml line 3: `id` is "", expected a non-empty string.'],
    ['{id: a, input: x, repeats: 1.5, assert: [{contains: x}]}', 'Case `a` (s.yaml line 3): `repeats` is 1.5, expected a positive integer.'],
    ['{id: a, input: x, assert: [{contains: x}, {latency-ms: -5}]}', 'Case `a` (s.yaml line 3): `assert[1].latency-ms` is -5, expected a positive number.'],
    ['{id: a, input: x, assert: [{json-path: answer}]}', 'Case `a` (s.yaml line 3): `assert[0].json-path` is "answer", expected a JSONPath starting with `$`.'],
    ['{id: a, input: x, assert: [{judge: ""}]}', 'Case `a` (s.yaml line 3): `assert[0].judge` is "", expected a rubric (text).'],
    ['{id: a, input: x, tags: [t], assert: [{contains: x}]}', 'Case `a` (s.yaml line 3): unknown key `tags`. Expected one of `id`, `input`, `vars`, `description`, `repeats`, `pass-rule`, `assert`.'],
  ])('refuses the case %s at its line', async (c, message) => {
    await expect(read(`name: n\ncases:\n  - ${c}\n`)).rejects.toThrow(message);
  });

  it('is the file editors are pointed at: draft-07 with an $id, and every assertion kind the parser compiles is in it', async () => {
    const schema = JSON.parse(readFileSync(new URL('../../schemas/suite.schema.json', import.meta.url), 'utf8'));
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const { ASSERTION_KINDS } = await import('../../shared/validation/assertions/compile.js');
    const described = Object.keys(schema.definitions.assertion.properties);
    for (const kind of ASSERTION_KINDS) expect([kind, described.includes(kind)]).toEqual([kind, true]);
  });
});
