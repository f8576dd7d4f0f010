import { statSync } from 'node:fs';
import * as core from '@actions/core';
import { cutToBytes } from '../text-limit.js';

export type Cell = string | number;

/** Escapes text for a Markdown table cell (a `|` that `escapeMarkdown` escaped already is left as it is). */
export function cell(value: Cell): string {
  return String(value).replace(/(?<!\\)\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * User text (a rollback reason, a case id, what an endpoint answered) for Markdown that GitHub renders in job
 * summaries, PR comments and check runs: HTML special characters become entities and the Markdown punctuation
 * that formats (emphasis, code, headings, tables, and the brackets every link and image needs) is backslash-escaped,
 * so the text can neither break the layout nor inject links, images or HTML. Parentheses stay readable. One line.
 */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]#|~])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** User text as inline code: a code span shows its text literally but cannot escape a backtick, so those become `'`. */
export function inlineCode(text: string): string {
  return `\`${String(text).replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

/** A Markdown table; GitHub renders it in job summaries and PR comments alike. */
export function markdownTable(header: Cell[], rows: Cell[][]): string {
  const line = (r: Cell[]) => `| ${r.map(cell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * Mermaid's xy chart cannot leave a gap, so a point without a value is drawn at 0; the legend says which
 * ones, so a missing interval is never read as a measured zero.
 */
function gaps(xLabels: Cell[], series: { name: string; values: number[] }[]): string {
  const missing = series
    .map((s) => ({ name: s.name, at: s.values.flatMap((v, i) => (Number.isFinite(v) ? [] : [xLabels[i]])) }))
    .filter((s) => s.at.length);
  if (!missing.length) return '.';
  return `. Drawn at 0 but without a value: ${missing.map((s) => `${s.name} at ${s.at.join(', ')}`).join('; ')}.`;
}

/** A Mermaid xy line chart of series over a shared x axis (GitHub renders Mermaid in summaries). */
export function mermaidLineChart(title: string, xLabels: Cell[], series: { name: string; values: number[] }[]): string {
  const fmt = (n: number) => (Number.isFinite(n) ? Number(n.toPrecision(4)) : 0);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const max = all.length ? Math.max(...all) : 1;
  const lines = [
    '```mermaid',
    'xychart-beta',
    `  title "${title.replace(/"/g, "'")}"`,
    `  x-axis [${xLabels.map((x) => `"${x}"`).join(', ')}]`,
    `  y-axis 0 --> ${fmt(max * 1.1 || 1)}`,
    ...series.map((s) => `  line [${s.values.map(fmt).join(', ')}]`),
    '```',
    series.map((s, i) => `${i === 0 ? 'Lines, in order: ' : ''}${s.name}`).join(', ') + gaps(xLabels, series),
  ];
  return lines.join('\n');
}

/** GitHub shows at most 1 MiB of a step's summary and drops all of it past that. */
const STEP_SUMMARY_BYTES = 1024 * 1024;

/**
 * Appends Markdown to the job summary, cut to what is left of the step's 1 MiB; a missing summary
 * file is a warning, never a failure.
 */
export async function appendSummary(markdown: string): Promise<void> {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) {
    core.info(markdown);
    return;
  }
  try {
    const room = STEP_SUMMARY_BYTES - sizeOf(file) - 1;
    await core.summary.addRaw(cutToBytes(markdown, room, { mark: '\n\n…(cut: GitHub keeps 1 MiB of a step summary)' }), true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
