import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../../shared/errors.js';
import { parseYamlBlock } from '../../shared/parse/yaml.js';
import { parseMetricSpecs } from '../../shared/analysis/metric-spec-parse.js';

/** Nine levels of nine aliases each: a few hundred bytes that expand to 9^9 strings. */
const BOMB = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((k, i) => {
  const prev = 'abcdefgh'[i];
  return `${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`;
})].join('\n');

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the input to be refused');
}

describe('parseYamlBlock', () => {
  it('reads plain YAML, aliases included', () => {
    expect(parseYamlBlock('a: &x [1, 2]\nb: *x\n', 'hooks')).toEqual({ a: [1, 2], b: [1, 2] });
  });

  it('refuses an alias bomb as a user mistake naming the input', () => {
    const error = failure(() => parseYamlBlock(BOMB, 'metrics'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      'Invalid `metrics`: its YAML aliases expand to too many nodes (aliases of aliases, more than 100 uses), refused as a resource-exhaustion attack. Expected YAML whose aliases expand to a reasonable size.',
    );
  });

  it('refuses an alias to no anchor naming the input', () => {
    const error = failure(() => parseYamlBlock('a: *nowhere\n', 'hooks'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^Invalid `hooks`: its YAML aliases cannot be used \(Unresolved alias .*\)\. Expected YAML whose aliases \(`\*name`\) each follow their anchor/);
    expect(error.message).not.toMatch(/resource-exhaustion/);
  });

  it('names `metrics` when monitor-canary is given an alias bomb as its metrics', () => {
    const error = failure(() => parseMetricSpecs(`- ${BOMB.split('\n').join('\n  ')}\n`, 'metrics'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^Invalid `metrics`: its YAML aliases expand to too many nodes/);
  });
});
