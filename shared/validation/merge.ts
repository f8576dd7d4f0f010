import { ConfigurationError } from '../errors.js';
import { mergeTallies } from './results.js';
import { REPORT_SCHEMA, type ReportParts, type ValidationReport } from './report.js';

/**
 * Combines shard reports into the parts of one report. The counts add up exactly, so the merged verdict
 * is the verdict of one run over the whole suite. Refuses mixed suites or settings, a missing or
 * repeated shard, and a case reported twice.
 */
export function mergeShardReports(reports: readonly ValidationReport[]): ReportParts {
  if (reports.length === 0) throw new ConfigurationError('No shard reports to merge.');
  for (const r of reports) if (r.schema !== REPORT_SCHEMA) throw new ConfigurationError(`A shard report has schema '${String(r.schema)}', expected '${REPORT_SCHEMA}'.`);
  const first = reports[0];
  const count = first.shard?.count ?? 1;
  const seenShards = new Set<number>();
  for (const r of reports) {
    if (r.suite.digest !== first.suite.digest) throw new ConfigurationError(`Shard reports come from different suites (${first.suite.path} ${first.suite.digest.slice(0, 19)} vs ${r.suite.path} ${r.suite.digest.slice(0, 19)}).`);
    if (JSON.stringify(r.settings) !== JSON.stringify(first.settings)) throw new ConfigurationError('Shard reports were run with different settings (threshold, confidence, repeats...); they cannot be merged into one verdict.');
    if (r.model.checksum !== first.model.checksum) throw new ConfigurationError(`Shard reports validated different models (${first.model.checksum} vs ${r.model.checksum}).`);
    const index = r.shard?.index ?? 1;
    if ((r.shard?.count ?? 1) !== count) throw new ConfigurationError(`Shard reports disagree on the number of shards (${count} vs ${r.shard?.count ?? 1}).`);
    if (seenShards.has(index)) throw new ConfigurationError(`Shard ${index}/${count} is reported twice.`);
    seenShards.add(index);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seenShards.has(i));
  if (missing.length) throw new ConfigurationError(`Missing shard reports: ${missing.map((i) => `${i}/${count}`).join(', ')}. A verdict needs every shard.`);
  const ids = new Set<string>();
  const cases = reports.flatMap((r) => r.cases);
  for (const c of cases) {
    if (ids.has(c.id)) throw new ConfigurationError(`Case \`${c.id}\` appears in two shard reports.`);
    ids.add(c.id);
  }
  cases.sort((a, b) => a.line - b.line);
  return { model: first.model, suite: first.suite, settings: first.settings, tally: mergeTallies(reports.map((r) => r.tally)), cases };
}
