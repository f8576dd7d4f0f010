import { describe, expect, it } from '@jest/globals';
import { columnDrift, compareDatasets, loadDataset } from '../../shared/validation/drift.js';
import { folderWith, jsonl } from './fixtures.js';

const numbers = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('drift method by size and type, as Evidently chooses', () => {
  it('uses KS for numeric columns and chi-square for categorical ones up to 1,000 reference rows', () => {
    expect(columnDrift('x', numbers(500, (i) => i % 50), numbers(500, (i) => i % 50), 500)).toMatchObject({ type: 'numeric', method: 'ks', drifted: false });
    expect(columnDrift('c', numbers(500, (i) => ['a', 'b', 'c'][i % 3]), numbers(500, (i) => ['a', 'b', 'c'][i % 3]), 500)).toMatchObject({ type: 'categorical', method: 'chi-square', drifted: false });
  });

  it('uses normed Wasserstein and Jensen-Shannon above 1,000 reference rows', () => {
    const ref = numbers(1500, (i) => i % 100);
    expect(columnDrift('x', ref, numbers(1500, (i) => (i % 100) + 1), 1500)).toMatchObject({ method: 'wasserstein', drifted: false });
    expect(columnDrift('x', ref, numbers(1500, (i) => (i % 100) + 20), 1500)).toMatchObject({ method: 'wasserstein', drifted: true });
    const cats = (shares: number[]) => numbers(1500, (i) => (i % 100 < shares[0] ? 'a' : i % 100 < shares[0] + shares[1] ? 'b' : 'c'));
    expect(columnDrift('c', cats([40, 30]), cats([41, 30]), 1500)).toMatchObject({ method: 'jensen-shannon', drifted: false });
    expect(columnDrift('c', cats([40, 30]), cats([10, 10]), 1500)).toMatchObject({ method: 'jensen-shannon', drifted: true });
  });

  it('treats a numeric column with 5 or fewer values as categorical, and two values with a Z-test', () => {
    expect(columnDrift('grade', numbers(300, (i) => i % 4), numbers(300, (i) => i % 4), 300)).toMatchObject({ type: 'categorical', method: 'chi-square' });
    expect(columnDrift('flag', numbers(300, (i) => i % 2), numbers(300, (i) => (i % 5 === 0 ? 1 : 0)), 300)).toMatchObject({ method: 'z-test', drifted: true });
  });
});

describe('datasets', () => {
  it('reads CSV and JSONL alike and counts the share of drifted columns against the limit', async () => {
    const rows = (shift: number) => numbers(200, (i) => ({ a: (i % 40) + shift, b: ['x', 'y', 'z'][i % 3], c: i % 40 }));
    const csv = (rs: Record<string, unknown>[]) => ['a,b,c', ...rs.map((r) => `${r.a},${r.b},${r.c}`)].join('\n');
    const f = folderWith({ 'ref.csv': csv(rows(0)), 'cur.jsonl': jsonl(rows(25)) });
    const report = compareDatasets(await loadDataset(f.path('ref.csv'), 'reference'), await loadDataset(f.path('cur.jsonl'), 'current'), 0.5);
    expect(report.columns.map((c) => [c.column, c.drifted])).toEqual([['a', true], ['b', false], ['c', false]]);
    expect(report).toMatchObject({ drifted: 1, share: 1 / 3, verdict: 'pass', referenceRows: 200, currentRows: 200 });
    expect(compareDatasets(await loadDataset(f.path('ref.csv'), 'reference'), await loadDataset(f.path('cur.jsonl'), 'current'), 0.3).verdict).toBe('fail');
  });

  it('refuses datasets with different columns, bad lines, unknown formats and empty files, naming the input', async () => {
    const f = folderWith({ 'a.csv': 'x,y\n1,2\n', 'b.csv': 'x,z\n1,2\n', 'bad.jsonl': '{"x": 1}\n[1]\n', 'd.parquet': '', 'empty.csv': 'x,y\n' });
    await expect(loadDataset(f.path('a.csv'), 'reference').then(async (a) => compareDatasets(a, await loadDataset(f.path('b.csv'), 'current'), 0.5))).rejects.toThrow(
      'The drift datasets have different columns (only in `reference`: y; only in `current`: z).',
    );
    await expect(loadDataset(f.path('bad.jsonl'), 'current')).rejects.toThrow(/Invalid `current` '.*bad\.jsonl' line 2: expected a JSON object per line\./);
    await expect(loadDataset(f.path('d.parquet'), 'reference')).rejects.toThrow(/Expected a \.csv or \.jsonl file/);
    await expect(loadDataset(f.path('empty.csv'), 'reference')).rejects.toThrow(/it has no rows/);
    await expect(loadDataset(f.path('nope.csv'), 'reference')).rejects.toThrow(/Cannot read `reference`/);
  });
});
