import { escapeMarkdown, inlineCode, markdownTable } from '../action/summary.js';
import { worstCases, type ValidationReport } from './report.js';

const money = (x: number) => (x >= 1 || x === 0 ? x.toFixed(2) : x.toPrecision(2));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ICON = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' } as const;

export function headline(r: ValidationReport): string {
  const model = r.model.name ? `${r.model.name}${r.model.version ? `@${r.model.version}` : ''}` : 'model';
  const shard = r.shard && r.shard.count > 1 ? ` (shard ${r.shard.index}/${r.shard.count})` : '';
  return `${ICON[r.verdict]}: ${model} on suite ${inlineCode(r.suite.name)}${shard}: ${r.tally.passedCases}/${r.tally.cases} cases passed (${pct(r.passRate)})`;
}

/** The Markdown report: verdict, gates with their bounds, per-assertion table, baseline, drift, performance, worst cases. */
export function renderMarkdown(r: ValidationReport, links?: { fileUrl?: (line: number) => string }): string {
  const s = r.settings;
  const out = [`### ${headline(r)}`, ''];
  if (r.model.checksum) out.push(`Model digest \`${r.model.checksum}\` · suite ${inlineCode(r.suite.path)} \`${r.suite.digest.slice(0, 19)}\``, '');
  out.push(
    markdownTable(
      ['gate', 'passed', 'rate', `${Math.round(s.confidence * 100)}% interval (${s.method})`, 'threshold', 'verdict'],
      r.gates.map((g) => [escapeMarkdown(g.name), `${g.passed}/${g.total}`, pct(g.rate), `${pct(g.lower)} – ${pct(g.upper)}`, pct(g.threshold), ICON[g.verdict]]),
    ),
    '',
  );
  const assertions = Object.entries(r.tally.assertions).sort(([a], [b]) => a.localeCompare(b));
  if (assertions.length) {
    out.push('**Assertions**', '', markdownTable(['assertion', 'checks', 'passed', 'rate'], assertions.map(([t, a]) => [t, a.checks, a.passed, pct(a.checks ? a.passed / a.checks : 0)])), '');
  }
  const t = r.tally;
  const ruled = r.cases.filter((c) => c.rule);
  if (ruled.length) {
    const all = ruled.filter((c) => c.rule === 'all');
    const atLeast = ruled.filter((c) => c.rule !== 'all');
    const part = (cs: typeof ruled, what: string) => (cs.length ? [`${cs.filter((c) => c.passed).length}/${cs.length} cases that need ${what} passed`] : []);
    out.push(`Pass rules: ${[...part(all, 'every run (pass^k)'), ...part(atLeast, 'at least k runs')].join(', ')}; the other cases pass on a majority of runs, with runs added while its interval straddles one half.`, '');
  }
  out.push(`Runs: ${t.runs} (${t.extraRuns} extra for uncertain cases, ${t.uncertainCases} still uncertain), endpoint errors: ${t.errors}.`, '');
  if (r.baseline) {
    const b = r.baseline;
    out.push(`**Baseline ${b.baseline}**: ${ICON[b.verdict]}: ${b.reason} (${b.paired} paired cases${b.unpaired ? `, ${b.unpaired} without a baseline result` : ''}).`, '');
  }
  if (r.drift) {
    const d = r.drift;
    out.push(
      `**Drift**: ${ICON[d.verdict]}: ${d.drifted}/${d.columns.length} columns drifted (${pct(d.share)}, limit ${pct(d.limit)}); reference ${d.referenceRows} rows, current ${d.currentRows}.`,
      '',
      markdownTable(['column', 'type', 'method', 'score', 'threshold', 'drifted'], d.columns.map((c) => [escapeMarkdown(c.column), c.type, c.method, c.score.toPrecision(3), c.threshold, c.drifted ? 'yes' : 'no'])),
      '',
    );
  }
  const p = r.performance;
  const ms = (v?: number) => (v === undefined ? 'n/a' : `${v.toFixed(0)} ms`);
  out.push(`**Performance** at concurrency ${p.concurrency}: p50 ${ms(p.p50Ms)}, p95 ${ms(p.p95Ms)}, ${p.requestsPerSecond.toFixed(1)} requests/s.`, '');
  if (p.ttftP50Ms !== undefined) {
    const tps = (v?: number) => (v === undefined ? 'n/a' : `${v.toFixed(1)} tokens/s`);
    out.push(`**Streaming**: time to first token p50 ${ms(p.ttftP50Ms)}, p95 ${ms(p.ttftP95Ms)}; output p50 ${tps(p.tokensPerSecondP50)}, slowest 5% ${tps(p.tokensPerSecondP5)}.`, '');
  }
  if (r.usage) {
    const u = r.usage;
    const cost = u.cost ? `; cost ${money(u.cost.total)} (input ${money(u.cost.input)}, output ${money(u.cost.output)})` : '';
    out.push(`**Tokens**: ${u.input.toLocaleString('en-US')} input, ${u.output.toLocaleString('en-US')} output${cost}.`, '');
  }
  const worst = worstCases(r.cases, 10);
  if (worst.length) {
    out.push(
      '**Worst cases**',
      '',
      markdownTable(['case', 'line', 'runs passed', 'why'], worst.map((c) => [escapeMarkdown(c.id), links?.fileUrl ? `[${c.line}](${links.fileUrl(c.line)})` : c.line, `${c.passes}/${c.runs}${c.rule ? ` (needs ${c.rule === 'all' ? 'all' : c.rule})` : ''}`, `${escapeMarkdown(c.reason ?? '')}${c.ttftMs !== undefined ? ` (first token ${c.ttftMs} ms, ${c.tokensPerSecond} tokens/s)` : ''}`])),
      '',
    );
  }
  return out.join('\n');
}
