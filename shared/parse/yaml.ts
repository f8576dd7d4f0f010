import { parse, YAMLParseError } from 'yaml';
import { ConfigurationError } from '../action/errors.js';

/**
 * Parses a YAML block from an input; syntax errors name the input and the line. Aliases that would
 * expand the text many times over (a "billion laughs" bomb) or point at no anchor are refused the same
 * way: the yaml library throws a ReferenceError for those, not a YAMLParseError.
 */
export function parseYamlBlock(value: string, input = 'value'): unknown {
  try {
    return parse(value, { uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos ? ` at line ${error.linePos[0].line}` : '';
      throw new ConfigurationError(`Invalid \`${input}\`: not valid YAML${where}: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    if (error instanceof ReferenceError) {
      throw new ConfigurationError(
        `Invalid \`${input}\`: its YAML aliases cannot be used (${error.message}). Expected YAML whose aliases (\`*name\`) each follow their anchor (\`&name\`) and do not expand it many times over.`,
      );
    }
    throw error;
  }
}
