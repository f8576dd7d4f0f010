import { createReadStream } from 'node:fs';

const BREAK = /\r\n|\n|\r/g;

/**
 * A text file's lines, a chunk's worth at a time, split as `readline` splits them (`\n`, `\r\n` or a lone
 * `\r`; no empty line after a final break). Batches keep the per-line cost of a 100,000-line suite to a
 * plain loop instead of an event and a promise per line; memory stays one chunk however long the file.
 */
export async function* lineBatches(path: string): AsyncGenerator<string[]> {
  let tail = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const text = tail + (chunk as string);
    const lines: string[] = [];
    let start = 0;
    BREAK.lastIndex = 0;
    for (let m = BREAK.exec(text); m; m = BREAK.exec(text)) {
      // A `\r` that ends the chunk may be the first half of a `\r\n` split across chunks.
      if (m[0] === '\r' && m.index === text.length - 1) break;
      lines.push(text.slice(start, m.index));
      start = m.index + m[0].length;
    }
    tail = text.slice(start);
    if (lines.length) yield lines;
  }
  if (tail !== '') yield [tail.endsWith('\r') ? tail.slice(0, -1) : tail];
}
