import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder (inside `parent`: RUNNER_TEMP, say) holding the given files; returns the folder and a path helper. */
export function folderWith(files: Record<string, string>, parent = tmpdir()): { dir: string; path: (name: string) => string } {
  const dir = mkdtempSync(join(parent, 'mv-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, path: (name) => join(dir, name) };
}

export const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
