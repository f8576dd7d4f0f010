import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseYamlBlock } from '../../shared/parse/yaml.js';
import { cookieHeaderRegex, parseMatch, unsupportedMatch } from '../../shared/traffic/match.js';

describe('cookie conditions as a Cookie header regex', () => {
  const re = (value: string) => new RegExp(cookieHeaderRegex({ on: 'cookie', name: 'beta', value }));

  it('matches the cookie at the exact value wherever it sits in the header, and nothing else', () => {
    for (const header of ['beta=1', 'a=2; beta=1', 'beta=1; a=2', 'a=2;beta=1;c=3']) expect([header, re('1').test(header)]).toEqual([header, true]);
    for (const header of ['beta=10', 'xbeta=1', 'a=beta=1', 'beta=2', 'beta=', '']) expect([header, re('1').test(header)]).toEqual([header, false]);
  });

  it('takes a value with regex metacharacters literally', () => {
    expect(re('a.b').test('beta=a.b')).toBe(true);
    expect(re('a.b').test('beta=axb')).toBe(false);
  });
});

describe('docs/routers.md', () => {
  it('its match example parses and is accepted on gateway-api and istio, refused on smi', () => {
    const page = readFileSync('docs/routers.md', 'utf8');
    const block = /match: \|\n((?: {6}.*\n)+)/.exec(page)![1].replace(/^ {6}/gm, '');
    const conditions = parseMatch(parseYamlBlock(block, 'match'));
    expect(conditions).toEqual([
      { on: 'header', name: 'x-canary', value: 'always' },
      { on: 'cookie', name: 'beta', value: '1' },
      { on: 'header', name: 'x-tenant', regex: 'acme-.*' },
    ]);
    expect(unsupportedMatch('gateway-api', conditions)).toBeUndefined();
    expect(unsupportedMatch('istio', conditions)).toBeUndefined();
    expect(unsupportedMatch('smi', conditions)).toMatch(/no `match` with `traffic-router: smi`/);
  });
});
