import { describe, expect, it } from '@jest/globals';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { lineBatches } from '../../shared/validation/lines.js';
import { folderWith } from './fixtures.js';

async function ours(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of lineBatches(path)) out.push(...batch);
  return out;
}

async function readlines(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) out.push(line);
  return out;
}

describe('suite file lines', () => {
  it('splits \\n, \\r\\n and lone \\r like readline, with blank lines kept and none after the final break', async () => {
    const f = folderWith({ 'a.jsonl': 'one\ntwo\r\nthree\rfour\n\n\r\nlast', 'b.jsonl': 'x\n\n', 'c.jsonl': 'y\r', 'd.jsonl': '' });
    for (const name of ['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl']) expect(await ours(f.path(name))).toEqual(await readlines(f.path(name)));
    expect(await ours(f.path('a.jsonl'))).toEqual(['one', 'two', 'three', 'four', '', '', 'last']);
  });

  it('keeps a \\r\\n that straddles two read chunks as one break, and multi-byte characters whole', async () => {
    const chunk = 256 * 1024;
    const text = `${'é'.repeat(1000)}\n${'a'.repeat(chunk - 2001 - 1)}\r\nnext\n${'ü'.repeat(chunk)}\r\nend\r\n`;
    const f = folderWith({ 's.jsonl': text });
    const lines = await ours(f.path('s.jsonl'));
    expect(lines).toEqual(await readlines(f.path('s.jsonl')));
    expect(lines.map((l) => l.length)).toEqual([1000, chunk - 2002, 4, chunk, 3]);
  });
});
