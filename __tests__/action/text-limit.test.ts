import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { appendSummary } from '../../shared/action/summary.js';
import { cutToBytes, cutToLength } from '../../shared/text-limit.js';

const LONE_SURROGATE = /\p{Cs}/u;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('cutting text for GitHub and logs', () => {
  it('leaves text within its limit unchanged', () => {
    expect(cutToLength('héllo 😀', 8)).toBe('héllo 😀');
    expect(cutToBytes('héllo 😀', bytes('héllo 😀'))).toBe('héllo 😀');
  });

  it('never cuts inside a surrogate pair: the emoji is kept whole or left out', () => {
    const text = '😀'.repeat(10); // 20 UTF-16 units
    for (let max = 1; max < 20; max++) {
      const cut = cutToLength(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(LONE_SURROGATE.test(cut)).toBe(false);
      expect(cut).toBe(`${'😀'.repeat(Math.floor((max - 1) / 2))}…`);
    }
  });

  it('keeps emoji sequences, flags and letters with combining marks whole', () => {
    const family = '👨‍👩‍👧'; // three people joined by zero-width joiners: 8 units, one character
    const flag = '🇫🇷'; // two regional indicators
    const accented = 'e\u0301'; // e and a combining acute
    expect(cutToLength(`ab${family}`, 8)).toBe('ab…');
    expect(cutToLength(`ab${flag}${flag}`, 7)).toBe(`ab${flag}…`);
    expect(cutToLength(`${accented.repeat(5)}`, 4)).toBe(`${accented}…`);
    expect(cutToLength(`${'👍🏽'.repeat(100)}`, 255)).toBe(`${'👍🏽'.repeat(63)}…`);
  });

  it('counts a limit in bytes as UTF-8 bytes, mark included, at a character boundary', () => {
    const cjk = '日本語'.repeat(30_000); // 90,000 characters, 270,000 bytes
    const cut = cutToBytes(cjk, 64_000);
    expect(bytes(cut)).toBeLessThanOrEqual(64_000);
    expect(bytes(cut)).toBeGreaterThan(64_000 - 6);
    expect(cut.endsWith('…')).toBe(true);
    const emoji = cutToBytes('😀'.repeat(100), 41, { mark: '' });
    expect(emoji).toBe('😀'.repeat(10));
    expect(cutToBytes(`a${'e\u0301'.repeat(10)}`, 6, { mark: '' })).toBe('ae\u0301');
  });

  it('cuts only where a segmentation of the whole text puts a grapheme boundary, for any limit (seeded mixes of hard cases)', () => {
    const pieces = ['a', 'é', 'e\u0301\u0302', '😀', '👨‍👩‍👧', '👍🏽', '🇫🇷', '🇩🇪', '\u1100\u1161\u11A8', '\r\n', 'क्ष', '日'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (let round = 0; round < 50; round++) {
      const text = Array.from({ length: 40 }, () => pieces[next() % pieces.length]).join('');
      const boundaries = new Set([...segmenter.segment(text)].map((g) => g.index).concat(text.length));
      for (let max = 0; max <= text.length; max++) {
        const cut = cutToLength(text, max, { mark: '' });
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(boundaries.has(cut.length)).toBe(true);
        // The longest such prefix: the next boundary does not fit.
        expect([...boundaries].some((b) => b > cut.length && b <= max)).toBe(false);
      }
    }
  });

  it('uses the given mark, and never more than the limit even when the mark does not fit', () => {
    expect(cutToLength('abcdefghij', 8, { mark: '...' })).toBe('abcde...');
    expect(cutToLength('abcdefghij', 2, { mark: '...' })).toBe('');
    expect(cutToBytes('abcdefghij', 2, { mark: '…' })).toBe('');
  });
});

describe('the job summary', () => {
  it('keeps a step summary within GitHub\'s 1 MiB across appends, cut at a character boundary', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'summary-')), 'summary.md');
    writeFileSync(file, '');
    const saved = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    (core.summary as unknown as { _filePath?: string })._filePath = undefined;
    try {
      await appendSummary(`# first\n${'😀'.repeat(150_000)}`); // 600 KB
      await appendSummary(`# second\n${'日本語'.repeat(60_000)}`); // 540 KB
    } finally {
      process.env.GITHUB_STEP_SUMMARY = saved;
      (core.summary as unknown as { _filePath?: string })._filePath = undefined;
    }
    const written = readFileSync(file);
    expect(statSync(file).size).toBeLessThanOrEqual(1024 * 1024);
    expect(statSync(file).size).toBeGreaterThan(1024 * 1024 - 100);
    const text = written.toString('utf8');
    expect(text).not.toContain('\uFFFD'); // no character cut in its bytes
    expect(text).toContain('# second');
    expect(text.trimEnd().endsWith('…(cut: GitHub keeps 1 MiB of a step summary)')).toBe(true);
  });
});
