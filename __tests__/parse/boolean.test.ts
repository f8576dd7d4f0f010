import { describe, expect, it } from '@jest/globals';
import { parseBoolean } from '../../shared/parse/boolean.js';
import { ConfigurationError } from '../../shared/errors.js';

describe('parseBoolean', () => {
  it.each([['true', true], ['True', true], ['yes', true], ['1', true], [' false ', false], ['off', false], ['0', false]])(
    'reads %p as %p',
    (raw, expected) => expect(parseBoolean(raw, 'push')).toBe(expected),
  );

  it.each(['yes please', '', 'tru', '2', 'null'])('refuses %p with an error naming the input and the value', (raw) => {
    expect(() => parseBoolean(raw, 'push')).toThrow(ConfigurationError);
    expect(() => parseBoolean(raw, 'push')).toThrow(`Invalid \`push\`: '${raw}'. Expected \`true\` or \`false\`.`);
  });
});
