import { LineCounter, parseDocument, type Document, type Node, type YAMLError } from 'yaml';
import { ConfigurationError } from '../errors.js';

/** Aliases a document may expand: the `yaml` package's own default, stated here because errors quote it. */
export const MAX_ALIASES = 100;

/**
 * A YAML syntax error as `line L, column C: what` (the first line of the parser's message, less its own
 * position and the source excerpt it appends, so no error quotes the text it came from).
 */
export function describeYamlError(error: YAMLError, lineCounter: LineCounter, line: (l: number) => number | undefined = (l) => l): string {
  const pos = lineCounter.linePos(error.pos[0]);
  const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `line ${line(pos.line) ?? '?'}, column ${pos.col}: ${what}`;
}

/**
 * A parsed node as plain data, aliases resolved; an alias bomb ("billion laughs": aliases of aliases that
 * expand exponentially) is refused, naming `where`, instead of the parser's bare ReferenceError; so is an
 * alias to no anchor, described as such (it is a mistake, not an attack).
 */
export function yamlToJs(doc: Document, where: string, node?: Node): unknown {
  try {
    return node ? node.toJS(doc, { maxAliasCount: MAX_ALIASES }) : doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    if (error instanceof ReferenceError && /excessive alias count/i.test(error.message)) {
      throw new ConfigurationError(`${where}: its YAML aliases expand to too many nodes (aliases of aliases, more than ${MAX_ALIASES} uses), refused as a resource-exhaustion attack. Expected YAML whose aliases expand to a reasonable size.`);
    }
    if (error instanceof ReferenceError) {
      throw new ConfigurationError(
        `${where}: its YAML aliases cannot be used (${error.message}). Expected YAML whose aliases (\`*name\`) each follow their anchor (\`&name\`) and do not expand it many times over.`,
      );
    }
    throw error;
  }
}

/** Parses a YAML block from an input; syntax errors name the input, the line and the column; alias bombs are refused. */
export function parseYamlBlock(value: string, input = 'value'): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(value, { uniqueKeys: true, prettyErrors: false, lineCounter });
  const [problem] = doc.errors;
  if (problem) throw new ConfigurationError(`Invalid \`${input}\`: not valid YAML at ${describeYamlError(problem, lineCounter)}.`);
  return yamlToJs(doc, `Invalid \`${input}\``);
}
