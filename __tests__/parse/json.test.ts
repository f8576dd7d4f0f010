import { describe, expect, it } from '@jest/globals';
import { jsonProblem, overflowingNumber } from '../../shared/parse/json.js';

const problem = (text: string) => {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonProblem(text, (error as Error).message);
  }
  throw new Error('parsed');
};

describe('where a JSON text goes wrong, without quoting it', () => {
  it.each([
    ['root:x:0:0:root:/root:/bin/bash\n', { line: 1, column: 1, what: 'unexpected character' }],
    ['{"a": 1,\n "b": tru }', { line: 2, column: 10, what: 'unexpected character' }],
    ['{"a": [1, 2,}', { line: 1, column: 13, what: 'unexpected character' }],
    ['{"a": 1} x', { line: 1, column: 10, what: 'unexpected character' }],
    ['[1, 2, 3,\n4, 5 6]', { line: 2, column: 6, what: "Expected ',' or ']' after array element" }],
    ['{"a": "x', { line: 1, column: 9, what: 'the text ends before the JSON value does' }],
  ])('%j', (text, expected) => {
    expect(problem(text)).toEqual(expected);
  });

  it('never repeats the text in what it says', () => {
    const secret = 'AKIAabcdefghSECRET';
    expect(JSON.stringify(problem(`${secret}=1`))).not.toContain('AKIA');
  });
});

describe('numbers that overflow when parsed', () => {
  it('are found by their path', () => {
    expect(overflowingNumber(JSON.parse('1e400'))).toBe('(the top level)');
    expect(overflowingNumber(JSON.parse('{"metrics":{"x":{"canary":[{"t":1},{"t":2,"v":-1e999}]}}}'))).toBe('metrics.x.canary[1].v');
    expect(overflowingNumber(JSON.parse('{"a":[1,2,1.7976931348623157e308]}'))).toBeUndefined();
  });
});
