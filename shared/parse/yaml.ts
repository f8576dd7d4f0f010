import { parse, YAMLParseError } from 'yaml';
import { ConfigurationError } from '../action/errors.js';

/** Parses a YAML block from an input; syntax errors name the input and the line. */
export function parseYamlBlock(value: string, input = 'value'): unknown {
  try {
    return parse(value, { uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos ? ` at line ${error.linePos[0].line}` : '';
      throw new ConfigurationError(`Invalid \`${input}\`: not valid YAML${where}: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    throw error;
  }
}
