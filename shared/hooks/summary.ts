import { escapeMarkdown, inlineCode, markdownTable } from '../action/summary.js';
import { formatDuration } from '../parse/duration.js';
import type { HookOutcome, StageReport } from './types.js';

const SHOWN: Record<HookOutcome, string> = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped', stopped: '⏹️ stopped' };

/** The job summary's hooks section: every hook of the given stages with its result and duration; empty when no hook ran. */
export function hooksSummary(reports: StageReport[]): string {
  const rows = reports.flatMap((r) => r.results).map((r) => [r.stage, inlineCode(r.name), r.kind, SHOWN[r.outcome], formatDuration(r.durationMs), escapeMarkdown(r.detail)]);
  if (rows.length === 0) return '';
  return `### Hooks\n\n${markdownTable(['Stage', 'Hook', 'Kind', 'Result', 'Duration', 'What it answered'], rows)}\n`;
}
