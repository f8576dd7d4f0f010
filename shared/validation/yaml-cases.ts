import { isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { describeYamlError, yamlToJs } from '../parse/yaml.js';
import { ConfigurationError } from '../errors.js';
import { lineBatches } from './lines.js';

/**
 * Reading a YAML suite without holding it: the top-level `cases:` list, when written block-style (one
 * `- ` per case, as people and generators write long suites), is split into its items as the file streams
 * and each item is parsed on its own, so memory is one file chunk and one case, however many cases.
 * A file this cannot split safely (a flow list `cases: [...]`, anchors or aliases, which may reach across
 * cases, or several documents) is reported as not streamable and is parsed whole by the caller.
 */

/** One case as written: its YAML text (a one-item list) and the line its `-` is on. */
export interface YamlCaseText {
  text: string;
  line: number;
}

export interface YamlLayout {
  /** The top-level keys other than `cases` (with `cases: []` in its place), for the settings. */
  settingsText: string;
  /** The file line of each line of `settingsText`, so an error there names the line in the file. */
  settingsLines: number[];
  streamable: boolean;
}

const CASES_BLOCK = /^cases:[ \t]*(#.*)?$/;
const CASES_INLINE = /^cases:/;
/** A line that starts a top-level key (column 0, not a comment, not a list item). */
const TOP_LEVEL = /^(?![#\s]|-(\s|$))/;
const DOCUMENT_MARKER = /^(---|\.\.\.)(\s|$)/;
/** An anchor (`&a`) or alias (`*a`) where a node may start: such a suite is parsed whole. */
const ANCHOR_OR_ALIAS = /(^|[\s[{,:-])[&*][^\s,[\]{}]/;

const blank = (line: string) => /^\s*(#.*)?$/.test(line);
const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * Walks the top-level `cases:` block list line by line, calling `onCase` for each complete item, and
 * `onOther` for every line outside the list. Returns false as soon as the file is not safely splittable.
 */
class CasesSplitter {
  private inCases = false;
  private itemIndent: number | undefined;
  private item: string[] = [];
  private itemLine = 0;
  streamable = true;

  constructor(private readonly onCase: (c: YamlCaseText) => void, private readonly onOther: (text: string, line: number) => void) {}

  line(text: string, line: number): void {
    if (!this.streamable) return;
    if (DOCUMENT_MARKER.test(text) && line > 1) {
      this.streamable = false;
      return;
    }
    if (this.inCases && (blank(text) || !TOP_LEVEL.test(text))) {
      this.caseLine(text, line);
      return;
    }
    this.endItem();
    this.inCases = false;
    if (CASES_BLOCK.test(text)) {
      this.inCases = true;
      this.onOther('cases: []', line);
    } else if (CASES_INLINE.test(text)) {
      this.streamable = false;
    } else {
      this.onOther(text, line);
    }
  }

  private caseLine(text: string, line: number): void {
    if (blank(text)) {
      if (this.item.length) this.item.push(text);
      return;
    }
    if (ANCHOR_OR_ALIAS.test(text)) {
      this.streamable = false;
      return;
    }
    const indent = indentOf(text);
    const dash = /^-(\s|$)/.test(text.slice(indent));
    this.itemIndent ??= dash ? indent : undefined;
    if (this.itemIndent === undefined || indent < this.itemIndent || (indent === this.itemIndent && !dash)) {
      this.streamable = false; // not a block list under `cases:`
      return;
    }
    if (indent === this.itemIndent) {
      this.endItem();
      this.itemLine = line;
    }
    this.item.push(text);
  }

  endItem(): void {
    if (this.item.length) this.onCase({ text: this.item.join('\n'), line: this.itemLine });
    this.item = [];
  }
}

/** First pass: the settings (every line outside the `cases:` list) and whether the list can be streamed. */
export async function scanYamlSuite(path: string): Promise<YamlLayout> {
  const settings: string[] = [];
  const settingsLines: number[] = [];
  const splitter = new CasesSplitter(() => undefined, (text, line) => {
    settings.push(text);
    settingsLines.push(line);
  });
  let line = 0;
  for await (const batch of lineBatches(path)) {
    for (const text of batch) splitter.line(text, ++line);
    if (!splitter.streamable) break;
  }
  splitter.endItem();
  return { settingsText: settings.join('\n'), settingsLines, streamable: splitter.streamable };
}

/** Second pass: the cases' texts, a file chunk's worth at a time (call only when `scanYamlSuite` said streamable). */
export async function* yamlCaseTexts(path: string): AsyncGenerator<YamlCaseText[]> {
  let ready: YamlCaseText[] = [];
  const splitter = new CasesSplitter((c) => ready.push(c), () => undefined);
  let line = 0;
  for await (const batch of lineBatches(path)) {
    for (const text of batch) splitter.line(text, ++line);
    if (ready.length) yield ready;
    ready = [];
  }
  splitter.endItem();
  if (ready.length) yield ready;
}

/** Parses one case's text; errors name the line in the suite file. */
export function parseYamlCase({ text, line }: YamlCaseText, displayPath: string): unknown {
  const { doc } = parseYaml(text, displayPath, (l) => line - 1 + l);
  const list = doc.contents;
  const item = isSeq(list) ? (list.items[0] as Node | undefined) : undefined;
  return item === undefined ? undefined : yamlToJs(doc, `Suite ${displayPath} line ${line}`, item);
}

/** Parses YAML text; an error names its line in the file (`fileLine` maps a line of `text` to it). */
export function parseYaml(text: string, displayPath: string, fileLine: (line: number) => number | undefined = (l) => l): { doc: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    // With prettyErrors off the error carries offsets only: the line counter turns them into a line and column.
    throw new ConfigurationError(`Suite ${displayPath}: not valid YAML at ${describeYamlError(doc.errors[0], lineCounter, fileLine)}.`);
  }
  return { doc, lineCounter };
}
