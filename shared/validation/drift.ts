import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { ConfigurationError } from '../errors.js';
import { chiSquareTest, jensenShannon, ksTest, wassersteinNormed, zTest, type DriftTest } from './stats/drift-tests.js';
import type { Verdict } from './verdict.js';

/** A dataset as columns of raw values (missing values dropped). */
export type Dataset = Map<string, (string | number)[]>;

export interface ColumnDrift extends DriftTest {
  column: string;
  type: 'numeric' | 'categorical';
}

export interface DriftReport {
  referenceRows: number;
  currentRows: number;
  columns: ColumnDrift[];
  drifted: number;
  share: number;
  limit: number;
  verdict: Verdict;
}

/** Reads a CSV (header row) or JSONL dataset; the input name is used in errors. */
export async function loadDataset(path: string, input: string): Promise<{ data: Dataset; rows: number }> {
  const data: Dataset = new Map();
  let rows = 0;
  const add = (row: Record<string, unknown>) => {
    rows++;
    for (const [k, v] of Object.entries(row)) {
      if (v === null || v === undefined || v === '') continue;
      if (!data.has(k)) data.set(k, []);
      data.get(k)!.push(typeof v === 'number' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
  };
  try {
    if (/\.csv$/i.test(path)) {
      const source = createReadStream(path);
      const rows = source.pipe(parse({ columns: true, skip_empty_lines: true, trim: true }));
      // pipe() does not forward a read error (a missing file): without this the loop would wait forever.
      source.on('error', (error) => rows.destroy(error));
      for await (const row of rows) add(row);
    } else if (/\.(jsonl|ndjson)$/i.test(path)) {
      let line = 0;
      for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
        line++;
        if (text.trim() === '') continue;
        let row: unknown;
        try {
          row = JSON.parse(text);
        } catch {
          throw new ConfigurationError(`Invalid \`${input}\` '${path}' line ${line}: not valid JSON.`);
        }
        if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new ConfigurationError(`Invalid \`${input}\` '${path}' line ${line}: expected a JSON object per line.`);
        add(row as Record<string, unknown>);
      }
    } else {
      throw new ConfigurationError(`Invalid \`${input}\`: '${path}'. Expected a .csv or .jsonl file.`);
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    // csv-parse's messages can quote a field of the file: say where and what kind of error instead.
    const { code, lines } = error as { code?: string; lines?: number };
    throw new ConfigurationError(`Cannot read \`${input}\` '${path}': ${code ?? 'error'}${lines ? ` at line ${lines}` : ''}. Expected a CSV file with a header line, or JSONL.`);
  }
  if (rows === 0) throw new ConfigurationError(`Invalid \`${input}\` '${path}': it has no rows.`);
  return { data, rows };
}

function numericValues(values: (string | number)[]): Float64Array | undefined {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = typeof values[i] === 'number' ? (values[i] as number) : Number(values[i]);
    if (!Number.isFinite(v) || (typeof values[i] === 'string' && (values[i] as string).trim() === '')) return undefined;
    out[i] = v;
  }
  return out;
}

function counts(values: (string | number)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(String(v), (m.get(String(v)) ?? 0) + 1);
  return m;
}

/**
 * Evidently's defaults, chosen by the reference's size: up to 1,000 rows, statistical tests
 * (KS for numeric columns with more than 5 distinct values, chi-square for categorical ones, a Z-test
 * for binary ones); above, distances (normed Wasserstein, Jensen-Shannon) against 0.1.
 */
export function columnDrift(column: string, reference: (string | number)[], current: (string | number)[], referenceRows: number): ColumnDrift {
  if (reference.length === 0 || current.length === 0) {
    // A column that is empty on one side has changed as much as a column can.
    return { column, type: 'categorical', method: 'chi-square', score: 0, threshold: 0.05, drifted: true };
  }
  const refNum = numericValues(reference);
  const curNum = refNum && numericValues(current);
  const numeric = refNum !== undefined && curNum !== undefined && new Set(reference.map(Number)).size > 5;
  const small = referenceRows <= 1000;
  if (numeric) {
    return { column, type: 'numeric', ...(small ? ksTest(refNum!, curNum!) : wassersteinNormed(refNum!, curNum!)) };
  }
  const ref = counts(reference);
  const cur = counts(current);
  const categories = new Set([...ref.keys(), ...cur.keys()]).size;
  return { column, type: 'categorical', ...(small ? (categories <= 2 ? zTest(ref, cur) : chiSquareTest(ref, cur)) : jensenShannon(ref, cur)) };
}

/** Per-column drift and the share of drifted columns; the datasets drift when that share reaches `limit`. */
export function compareDatasets(reference: { data: Dataset; rows: number }, current: { data: Dataset; rows: number }, limit: number): DriftReport {
  const onlyRef = [...reference.data.keys()].filter((k) => !current.data.has(k));
  const onlyCur = [...current.data.keys()].filter((k) => !reference.data.has(k));
  if (onlyRef.length || onlyCur.length) {
    const parts = [onlyRef.length ? `only in \`reference\`: ${onlyRef.join(', ')}` : '', onlyCur.length ? `only in \`current\`: ${onlyCur.join(', ')}` : ''].filter(Boolean);
    throw new ConfigurationError(`The drift datasets have different columns (${parts.join('; ')}).`);
  }
  const columns = [...reference.data.keys()].map((k) => columnDrift(k, reference.data.get(k)!, current.data.get(k)!, reference.rows));
  const drifted = columns.filter((c) => c.drifted).length;
  const share = columns.length ? drifted / columns.length : 0;
  return { referenceRows: reference.rows, currentRows: current.rows, columns, drifted, share, limit, verdict: share >= limit ? 'fail' : 'pass' };
}
