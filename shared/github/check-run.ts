import { cutToBytes, cutToLength } from '../text-limit.js';
import type { GitHubClient } from './client.js';

/** One line of a file that the check run points at. */
export interface CheckAnnotation {
  path: string;
  line: number;
  title: string;
  message: string;
  level?: 'failure' | 'warning' | 'notice';
}

export interface CheckRunReport {
  owner: string;
  repo: string;
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  /** Markdown, cut to GitHub's 65,535 characters. */
  summary: string;
  annotations: readonly CheckAnnotation[];
}

/** GitHub takes at most 50 annotations per request; later batches go in updates, which append. */
const BATCH = 50;
/** A check run keeps at most this many; past it the summary still has the counts. */
const MAX_ANNOTATIONS = 1000;
/** GitHub's limits: summary 65,535 characters, titles 255 characters, an annotation's message 64 KB. */
const MAX_TEXT = 65_535;
const MAX_TITLE = 255;
/** 64 KB read as 64,000 bytes, within GitHub's limit whether it means 1,000 or 1,024. */
const MAX_MESSAGE_BYTES = 64_000;

/** Publishes a completed check run with one annotation per entry, in batches of 50. Returns its id. */
export async function publishCheckRun(github: GitHubClient, report: CheckRunReport): Promise<number> {
  const annotations = report.annotations.slice(0, MAX_ANNOTATIONS).map((a) => ({
    path: a.path,
    start_line: a.line,
    end_line: a.line,
    annotation_level: a.level ?? 'failure',
    title: cutToLength(a.title, MAX_TITLE),
    message: cutToBytes(a.message, MAX_MESSAGE_BYTES),
  }));
  const output = (batch: typeof annotations) => ({
    title: cutToLength(report.title, MAX_TITLE),
    summary: cutToLength(report.summary, MAX_TEXT, { mark: '\n\n…(cut)' }),
    annotations: batch,
  });
  const { owner, repo } = report;
  const created = await github.rest.checks.create({
    owner,
    repo,
    name: report.name,
    head_sha: report.headSha,
    status: 'completed',
    conclusion: report.conclusion,
    completed_at: new Date().toISOString(),
    output: output(annotations.slice(0, BATCH)),
  });
  for (let i = BATCH; i < annotations.length; i += BATCH) {
    await github.rest.checks.update({ owner, repo, check_run_id: created.data.id, output: output(annotations.slice(i, i + BATCH)) });
  }
  return created.data.id;
}
