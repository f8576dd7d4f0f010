import { describe, expect, it } from '@jest/globals';
import { parseList } from '../../shared/parse/list.js';
import { parseKeyValues } from '../../shared/parse/key-value.js';
import { parseYamlBlock } from '../../shared/parse/yaml.js';
import { parseChoice } from '../../shared/parse/choice.js';
import { ConfigurationError } from '../../shared/errors.js';

describe('parseList', () => {
  it('splits on commas and lines, trims and drops empties and comment lines', () => {
    expect(parseList('a, b\n c\n\n# note\n,d,')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseList('')).toEqual([]);
  });
});

describe('parseKeyValues', () => {
  it('reads one KEY=value per line, keeping = and commas inside values', () => {
    expect(parseKeyValues('A=1\nB = x=y,z\n\n# c\n', 'build-args')).toEqual({ A: '1', B: 'x=y,z' });
  });

  it.each(['NOEQUALS', '=value'])('refuses %p naming the input and the expected form', (line) => {
    expect(() => parseKeyValues(`A=1\n${line}`, 'build-args')).toThrow(
      `Invalid \`build-args\`: '${line}'. Expected one \`KEY=value\` pair per line.`,
    );
  });
});

describe('parseYamlBlock', () => {
  it('parses YAML blocks', () => {
    expect(parseYamlBlock('- name: a\n  max: 1\n', 'metrics')).toEqual([{ name: 'a', max: 1 }]);
  });

  it('reports malformed YAML as a configuration error naming the input and line', () => {
    expect(() => parseYamlBlock('- name: a\n  max: [1, 2\n', 'metrics')).toThrow(ConfigurationError);
    expect(() => parseYamlBlock('a: 1\nb: [\n', 'metrics')).toThrow(/^Invalid `metrics`: not valid YAML at line \d+/);
  });

  it('refuses duplicate keys instead of silently keeping one', () => {
    expect(() => parseYamlBlock('a: 1\na: 2\n', 'metrics')).toThrow(/Invalid `metrics`/);
  });
});

describe('parseChoice', () => {
  it('accepts a listed word and lists all choices when refusing', () => {
    expect(parseChoice('istio', ['replicas', 'istio'] as const, 'traffic-router')).toBe('istio');
    expect(() => parseChoice('linkerd', ['replicas', 'istio'] as const, 'traffic-router')).toThrow(
      "Invalid `traffic-router`: 'linkerd'. Expected one of `replicas`, `istio`.",
    );
  });
});
