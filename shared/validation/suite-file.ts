import { createReadStream } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { createInterface } from 'node:readline';
import { isMap, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { parseYaml, parseYamlCase, scanYamlSuite, yamlCaseTexts, type YamlLayout } from './yaml-cases.js';
import { ConfigurationError } from '../errors.js';
import { yamlToJs } from '../parse/yaml.js';
import { jsonProblem } from '../parse/json.js';
import { lineBatches } from './lines.js';
import { checkCase, checkSettings } from './suite-schema.js';
import type { AssertionSpec, PassRule, RawCase, SuiteSettings, SuiteSource } from './suite.js';

/**
 * Opens a suite file: YAML (`cases:` list, settings beside it) or JSONL (one case per line; an optional
 * first line `{"suite": {...}}` holds the settings). Both are streamed, so a 100,000-case suite never sits in
 * memory: JSONL line by line, YAML case by case when its `cases:` list is block-style (yaml-cases.ts); a YAML
 * suite that cannot be split safely (a flow list, anchors or aliases) keeps its parsed tree.
 */
export async function openSuite(path: string, displayPath = path): Promise<SuiteSource> {
  if (/\.ya?ml$/i.test(path)) return openYaml(path, displayPath);
  if (/\.(jsonl|ndjson)$/i.test(path)) return openJsonl(path, displayPath);
  throw new ConfigurationError(`Invalid \`suite\`: '${displayPath}'. Expected a .yaml, .yml or .jsonl file.`);
}

function unreadable(displayPath: string, error: unknown): ConfigurationError {
  return new ConfigurationError(`Cannot read \`suite\` '${displayPath}': ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
}

async function readText(path: string, displayPath: string): Promise<string> {
  return readFile(path, 'utf8').catch((error) => Promise.reject(unreadable(displayPath, error)));
}

async function ensureReadable(path: string, displayPath: string): Promise<void> {
  await access(path, constants.R_OK).catch((error) => Promise.reject(unreadable(displayPath, error)));
}

async function openYaml(path: string, displayPath: string): Promise<SuiteSource> {
  await ensureReadable(path, displayPath);
  const layout = await scanYamlSuite(path);
  return layout.streamable ? openStreamedYaml(path, displayPath, layout) : openWholeYaml(path, displayPath);
}

/** A block-style `cases:` list: settings from the lines around it, cases parsed one by one as the file streams. */
function openStreamedYaml(path: string, displayPath: string, layout: YamlLayout): SuiteSource {
  const fileLine = (line: number) => layout.settingsLines[line - 1];
  const { doc, lineCounter } = parseYaml(layout.settingsText, displayPath, fileLine);
  const top = topMapping(yamlToJs(doc, `Suite ${displayPath}`), displayPath);
  if (!('cases' in top)) throw new ConfigurationError(`Suite ${displayPath}: expected a mapping with a \`cases:\` list.`);
  return suiteSource(displayPath, 'yaml', parseSettings(top, displayPath, lineFinder(doc, lineCounter, fileLine)), async function* () {
    for await (const texts of yamlCaseTexts(path)) {
      yield (function* () {
        for (const c of texts) {
          // Only a case the schema refuses is parsed a second time, for the line of the bad value.
          const lineOf = (at: string[]) => {
            const { doc, lineCounter } = parseYaml(c.text, displayPath, (l) => c.line - 1 + l);
            return lineFinder(doc, lineCounter, (l) => c.line - 1 + l)(['0', ...at]);
          };
          yield normalizeCase(parseYamlCase(c, displayPath), c.line, displayPath, lineOf);
        }
      })();
    }
  });
}

/** The suite's top level, which must be a mapping. */
function topMapping(top: unknown, displayPath: string): Record<string, unknown> {
  if (!isObject(top)) throw new ConfigurationError(`Suite ${displayPath}: expected a mapping with a \`cases:\` list.`);
  return top;
}

/** A suite source over `batches`; `cases()` reads the same batches case by case. */
function suiteSource(path: string, format: SuiteSource['format'], settings: SuiteSettings, batches: () => AsyncIterable<Iterable<RawCase>>): SuiteSource {
  const source: SuiteSource = { path, format, settings, batches, cases: () => casesOf(source) };
  return source;
}

async function openWholeYaml(path: string, displayPath: string): Promise<SuiteSource> {
  const { doc, lineCounter } = parseYaml(await readText(path, displayPath), displayPath);
  const top = topMapping(yamlToJs(doc, `Suite ${displayPath}`), displayPath);
  const casesNode = isMap(doc.contents) ? (doc.contents.get('cases', true) as Node | undefined) : undefined;
  if (!isSeq(casesNode)) throw new ConfigurationError(`Suite ${displayPath}: expected a \`cases:\` list.`);
  const items = casesNode.items as Node[];
  return suiteSource(displayPath, 'yaml', parseSettings(top, displayPath, lineFinder(doc, lineCounter)), async function* () {
    // The parsed tree is in memory already: one batch, each case converted when reached.
    yield (function* () {
      for (const [index, item] of items.entries()) {
        const line = item.range ? lineCounter.linePos(item.range[0]).line : 0;
        const lineOf = (at: string[]) => lineFinder(doc, lineCounter)(['cases', String(index), ...at]);
        yield normalizeCase(yamlToJs(doc, `Suite ${displayPath} line ${line}`, item), line, displayPath, lineOf); // resolves aliases
      }
    })();
  });
}

async function openJsonl(path: string, displayPath: string): Promise<SuiteSource> {
  await ensureReadable(path, displayPath);
  const first = await firstLine(path);
  const header = first.text ? parseJsonLine(first.text, first.line, displayPath) : undefined;
  const hasHeader = header !== undefined && typeof header === 'object' && header !== null && 'suite' in header;
  const settings = hasHeader ? parseSettings((header as { suite: unknown }).suite, displayPath, () => first.line) : { metrics: {} };
  return suiteSource(displayPath, 'jsonl', settings, async function* () {
    let before = 0;
    for await (const batch of lineBatches(path)) {
      yield jsonlCases(batch, before, hasHeader ? first.line : 0, displayPath);
      before += batch.length;
    }
  });
}

/** The cases on a batch of lines that follow line `before` of the file, skipping blank lines and the settings line. */
function* jsonlCases(lines: string[], before: number, settingsLine: number, displayPath: string): Generator<RawCase> {
  for (let i = 0; i < lines.length; i++) {
    const line = before + i + 1;
    const text = lines[i];
    if (line === settingsLine || text.trim() === '') continue;
    yield normalizeCase(parseJsonLine(text, line, displayPath), line, displayPath);
  }
}

async function* casesOf(source: SuiteSource): AsyncGenerator<RawCase> {
  for await (const batch of source.batches()) yield* batch;
}

async function firstLine(path: string): Promise<{ text?: string; line: number }> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() !== '') return { text, line };
    }
  } finally {
    lines.close();
  }
  return { line };
}

function parseJsonLine(text: string, line: number, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the line.
    const at = jsonProblem(text, (error as Error).message);
    throw new ConfigurationError(`Suite ${file} line ${line}: not valid JSON at column ${at.column}: ${at.what}.`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The line in the file of the value at a path of the YAML document (or of its nearest parent there). */
function lineFinder(doc: Document, lineCounter: LineCounter, fileLine: (line: number) => number | undefined = (l) => l): (path: string[]) => number | undefined {
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n).map((k) => (/^\d+$/.test(k) ? Number(k) : k)), true) as Node | undefined;
      if (node?.range) return fileLine(lineCounter.linePos(node.range[0]).line);
    }
    return undefined;
  };
}

/** The settings beside the cases, checked against the suite schema. */
function parseSettings(raw: unknown, file: string, lineOf?: (path: string[]) => number | undefined): SuiteSettings {
  if (!isObject(raw)) throw new ConfigurationError(`Suite ${file}: settings must be a mapping.`);
  checkSettings(raw, (path) => {
    const line = lineOf?.(path);
    return `Suite ${file}${line ? ` line ${line}` : ''}`;
  });
  const metrics: SuiteSettings['metrics'] = {};
  for (const [name, m] of Object.entries((raw.metrics ?? {}) as Record<string, { threshold?: number }>)) metrics[name] = { threshold: m.threshold };
  return {
    name: raw.name as string | undefined,
    endpoint: raw.endpoint as SuiteSettings['endpoint'],
    repeats: raw.repeats as number | undefined,
    passRule: passRule(raw['pass-rule']),
    judge: raw.judge as SuiteSettings['judge'],
    threshold: raw.threshold as number | undefined,
    metrics,
  };
}

/** `pass-rule: majority | all | {at-least: k}` (checked by the schema) as a PassRule. */
function passRule(raw: unknown): PassRule | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'all' || raw === 'majority') return { kind: raw };
  return { kind: 'at-least', runs: (raw as { 'at-least': number })['at-least'] };
}

/** Options an assertion may carry beside its kind; any other key in the short form names the kind. */
const ASSERTION_OPTIONS = new Set(['metric', 'threshold', 'flags', 'schema', 'value', 'type', 'path']);

function normalizeAssertion(raw: unknown, where: string): AssertionSpec {
  if (!isObject(raw)) throw new ConfigurationError(`${where}: each assertion must be a mapping such as \`{contains: Paris}\`.`);
  if (typeof raw.type === 'string') return { ...raw, type: raw.type };
  // `equals` is a kind of its own, and the expected value of a `json-path` assertion.
  const withPath = 'json-path' in raw;
  const isKind = (k: string) => !ASSERTION_OPTIONS.has(k) && !(k === 'equals' && withPath);
  let kind: string | undefined;
  let kinds = 0;
  for (const k in raw) {
    if (!isKind(k)) continue;
    kind ??= k;
    kinds++;
  }
  if (kind === undefined || kinds !== 1) {
    const found = Object.keys(raw).filter(isKind);
    throw new ConfigurationError(`${where}: an assertion needs exactly one kind (or \`type:\`), found ${found.length ? found.map((k) => `\`${k}\``).join(', ') : 'none'}.`);
  }
  // The options as written, then the kind and its value (a loop: this runs for every assertion of every case).
  const spec = {} as AssertionSpec;
  for (const k in raw) if (k !== kind) spec[k] = raw[k];
  spec.type = kind;
  spec.value = raw[kind];
  return spec;
}

function normalizeCase(raw: unknown, line: number, file: string, lineOf?: (path: string[]) => number | undefined): RawCase {
  const named = isObject(raw) && (typeof raw.id === 'string' || typeof raw.id === 'number') && raw.id !== '';
  const at = (l: number) => (named ? `Case \`${String((raw as { id: unknown }).id)}\` (${file} line ${l})` : `Suite ${file} line ${l}`);
  const where = at(line);
  checkCase(raw, (path) => at((path.length ? lineOf?.(path) : undefined) ?? line));
  const c = raw as { id: string | number; input: string; vars?: Record<string, unknown>; repeats?: number; 'pass-rule'?: unknown; assert: unknown[] };
  return {
    id: String(c.id),
    line,
    input: c.input,
    vars: c.vars ?? {},
    repeats: c.repeats,
    passRule: passRule(c['pass-rule']),
    assert: c.assert.map((a) => normalizeAssertion(a, where)),
  };
}
