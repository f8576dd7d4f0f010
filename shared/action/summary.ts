import * as core from '@actions/core';

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
    series.map((s, i) => `${i === 0 ? 'Lines, in order: ' : ''}${s.name}`).join(', '),
  ];
  return lines.join('\n');
}

/** Appends Markdown to the job summary; a missing summary file is a warning, never a failure. */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
  }
}
