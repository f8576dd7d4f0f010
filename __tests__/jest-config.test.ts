import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const text = readFileSync(join(root, 'jest.config.js'), 'utf8');

describe('jest.config.js', () => {
  it('names only files inside the repository, and they exist', () => {
    expect(text).not.toMatch(/\.\.\//);
    const files = [...text.matchAll(/<rootDir>\/([\w./-]+\.\w+)/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect([file, existsSync(join(root, file))]).toEqual([file, true]);
  });
});
