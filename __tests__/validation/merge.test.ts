import { describe, expect, it } from '@jest/globals';
import { mergeShardReports } from '../../shared/validation/merge.js';
import { buildReport, type ValidationReport } from '../../shared/validation/report.js';
import { countCase, countCheck, emptyTally, type CaseResult } from '../../shared/validation/results.js';
import { inShard, parseShard, shardOf } from '../../shared/validation/shard.js';
import { renderMarkdown } from '../../shared/validation/render.js';

const settings = { threshold: 0.8, confidence: 0.95, method: 'wilson' as const, repeats: 1, maxRepeats: 3, concurrency: 4, metricThresholds: {} };
const suite = { path: 'qa.jsonl', name: 'qa', digest: 'sha256:aa', cases: 300 };

function shardReport(index: number, count: number, cases: CaseResult[]): ValidationReport {
  const tally = emptyTally();
  for (const c of cases) {
    countCase(tally, c);
    countCheck(tally, 'contains', c.passed);
  }
  return buildReport({ model: { checksum: 'sha256:m' }, suite, shard: { index, count }, settings, tally, cases });
}

const all: CaseResult[] = Array.from({ length: 300 }, (_, i) => ({ id: `c${i}`, line: i + 1, passed: i % 10 !== 0, runs: 1, passes: i % 10 !== 0 ? 1 : 0, errors: 0, ...(i % 10 === 0 ? { reason: 'contains: missing' } : {}) }));

describe('shards', () => {
  it('parses i/n and refuses what cannot be a shard', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['3/2', '0/2', '1/0', '1', 'a/b', '-1/2']) expect(() => parseShard(bad)).toThrow(/^Invalid `shard`/);
  });

  it('puts each case in exactly one shard, by a hash that does not depend on order', () => {
    expect(shardOf('case-42', 7)).toBe(shardOf('case-42', 7));
    const sizes = [1, 2, 3, 4].map((i) => all.filter((c) => inShard(c.id, { index: i, count: 4 })).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(300);
    for (const s of sizes) expect(s).toBeGreaterThan(40);
  });
});

describe('merging shard reports', () => {
  const split = (count: number) => Array.from({ length: count }, (_, i) => shardReport(i + 1, count, all.filter((c) => inShard(c.id, { index: i + 1, count }))));

  it('gives exactly the counts, gates and verdict of one run over all cases', () => {
    const whole = shardReport(1, 1, all);
    const merged = buildReport(mergeShardReports(split(3)));
    expect(merged.gates).toEqual(whole.gates);
    expect(merged.tally.assertions).toEqual(whole.tally.assertions);
    expect(merged.cases).toEqual(whole.cases);
    expect(merged.verdict).toBe(whole.verdict);
  });

  it('refuses a missing shard, mixed suites, mixed settings and a case reported twice', () => {
    const three = split(3);
    expect(() => mergeShardReports([three[0], three[2]])).toThrow('Missing shard reports: 2/3. A verdict needs every shard.');
    expect(() => mergeShardReports([...three.slice(0, 2), { ...three[2], suite: { ...suite, digest: 'sha256:bb' } }])).toThrow(/different suites/);
    expect(() => mergeShardReports([...three.slice(0, 2), { ...three[2], settings: { ...settings, threshold: 0.9 } }])).toThrow(/different settings/);
    expect(() => mergeShardReports([...three.slice(0, 2), { ...three[2], cases: [...three[2].cases, three[0].cases[0]] }])).toThrow(/Case `c\d+` appears in two shard reports/);
    expect(() => mergeShardReports([...three.slice(0, 2), { ...three[2], model: { checksum: 'sha256:other' } }])).toThrow(/different models/);
  });
});

describe('the Markdown report', () => {
  it('shows the verdict, the gates with their bounds, the assertion table and the worst cases with their lines', () => {
    const md = renderMarkdown(shardReport(1, 1, all), { fileUrl: (line) => `https://x/qa.jsonl#L${line}` });
    expect(md).toMatch(/^### ✅ pass: model on suite `qa`: 270\/300 cases passed \(90\.0%\)/);
    expect(md).toMatch(/\| suite \| 270\/300 \| 90\.0% \| 86\.\d% – 92\.\d% \| 80\.0% \| ✅ pass \|/);
    expect(md).toContain('| contains | 300 | 270 | 90.0% |');
    expect(md).toContain('| c0 | [1](https://x/qa.jsonl#L1) | 0/1 | contains: missing |');
    expect(md.match(/\| c\d+ \| \[/g)).toHaveLength(10);
  });
});
