import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import { appendSummary } from '../../shared/action/summary.js';
import { publishCheckRun } from '../../shared/github/check-run.js';
import { createGitHubClient, currentRepository } from '../../shared/github/client.js';
import { pullRequestFromEvent, stickyMarker, upsertStickyComment } from '../../shared/github/pr-comment.js';
import { headline, renderMarkdown } from '../../shared/validation/render.js';
import type { ValidationReport } from '../../shared/validation/report.js';

/** The report's file name: one per suite and shard, so shard artifacts never collide. */
export function reportFileName(report: ValidationReport): string {
  const shard = report.shard && report.shard.count > 1 ? `-shard-${report.shard.index}-of-${report.shard.count}` : '';
  return `model-validate-${report.suite.name}${shard}.json`;
}

export async function writeReportFile(report: ValidationReport): Promise<string> {
  const dir = join(process.env.RUNNER_TEMP || tmpdir(), 'ai-deploy-reports');
  await mkdir(dir, { recursive: true });
  const file = join(dir, reportFileName(report));
  await writeFile(file, `${JSON.stringify(report)}\n`);
  return file;
}

function sourceLink(report: ValidationReport, sha: string | undefined): ((line: number) => string) | undefined {
  const repo = process.env.GITHUB_REPOSITORY;
  if (!repo || !sha) return undefined;
  return (line) => `${process.env.GITHUB_SERVER_URL || 'https://github.com'}/${repo}/blob/${sha}/${report.suite.path}#L${line}`;
}

export async function writeSummary(report: ValidationReport): Promise<string> {
  const markdown = renderMarkdown(report, { fileUrl: sourceLink(report, pullRequestFromEvent()?.headSha || process.env.GITHUB_SHA) });
  await appendSummary(markdown);
  return markdown;
}

/**
 * The check run (one annotation per failing case, at its line in the suite) and the sticky PR comment.
 * A failure to report is a warning: the step's own result still carries the verdict.
 */
export async function reportToGitHub(report: ValidationReport, markdown: string, token: string | undefined, options: { checkName: string; comment: boolean }): Promise<void> {
  if (!token || !process.env.GITHUB_REPOSITORY) {
    core.info('No `github-token` or repository: no check run or PR comment.');
    return;
  }
  try {
    const github = await createGitHubClient(token);
    const { owner, repo } = currentRepository();
    const pr = pullRequestFromEvent();
    const headSha = pr?.headSha || process.env.GITHUB_SHA;
    if (headSha) {
      const failing = report.cases.filter((c) => !c.passed);
      const id = await publishCheckRun(github, {
        owner,
        repo,
        name: options.checkName,
        headSha,
        // Inconclusive is not proven safe, and a `neutral` check would satisfy branch protection: it fails.
        conclusion: report.verdict === 'pass' ? 'success' : 'failure',
        title: headline(report),
        summary: markdown,
        annotations: failing.map((c) => ({
          path: report.suite.path,
          line: c.line,
          title: `Case ${c.id}: ${c.passes}/${c.runs} runs passed`,
          message: c.reason ?? 'failed',
        })),
      });
      core.info(`Check run ${id} with ${failing.length} failing case(s).`);
    }
    if (options.comment && pr) {
      const marker = stickyMarker(`model-validate:${options.checkName}:${report.suite.name}`);
      const comment = await upsertStickyComment(github, { owner, repo, issueNumber: pr.number }, marker, markdown);
      core.info(`${comment.created ? 'Created' : 'Updated'} PR comment ${comment.id}.`);
    }
  } catch (error) {
    core.warning(`Could not report to GitHub: ${errorMessage(error)}`);
  }
}
