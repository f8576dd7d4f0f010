import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { invalidInput } from '../errors.js';
import { type Command, runOrFail } from './command.js';
import type { Credentials } from './credentials.js';
import { cutToLength } from '../text-limit.js';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `scan` input: a severity (any case) or `none`/empty for no gate. */
export function parseSeverity(value: string | undefined, input = 'scan'): Severity | undefined {
  const v = (value ?? '').trim().toUpperCase();
  if (v === '' || v === 'NONE') return undefined;
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  throw invalidInput(input, value ?? '', `\`none\` or a severity to fail at: ${SEVERITIES.map((s) => `\`${s.toLowerCase()}\``).join(', ')}`);
}

export function severitiesFrom(threshold: Severity): Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(threshold));
}

export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface Finding {
  id: string;
  pkg: string;
  severity: Severity;
  target: string;
}

export type ScanOutcome =
  | { status: 'skipped'; reason: string }
  | { status: 'passed' | 'failed'; threshold: Severity; findings: Finding[] };

/** `trivy image` on the pushed image, JSON out; registry credentials travel in TRIVY_* env, not arguments. */
export function trivyCommand(image: string, threshold: Severity, options: { credentials?: Credentials; plainHttp: boolean }): Command {
  const env: Record<string, string> = {};
  if (options.credentials) Object.assign(env, { TRIVY_USERNAME: options.credentials.username, TRIVY_PASSWORD: options.credentials.password });
  if (options.plainHttp) env.TRIVY_NON_SSL = 'true';
  return {
    env,
    command: 'trivy',
    args: ['image', '--format', 'json', '--quiet', '--exit-code', '0', '--severity', severitiesFrom(threshold).join(','), ...(options.plainHttp ? ['--insecure'] : []), image],
  };
}

interface TrivyReport {
  Results?: { Target?: string; Vulnerabilities?: { VulnerabilityID?: string; PkgName?: string; Severity?: string }[] | null }[];
}

export function findingsOf(report: TrivyReport, threshold: Severity): Finding[] {
  const wanted = new Set<string>(severitiesFrom(threshold));
  return (report.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? [])
      .filter((v) => wanted.has(v.Severity ?? ''))
      .map((v) => ({ id: v.VulnerabilityID ?? '?', pkg: v.PkgName ?? '?', severity: v.Severity as Severity, target: r.Target ?? '' })),
  );
}

/** The vulnerability gate: fails at or above the threshold, and says so when trivy is not there to ask. */
export async function scanImage(image: string, threshold: Severity, options: { credentials?: Credentials; plainHttp: boolean }): Promise<ScanOutcome> {
  if (!onPath('trivy')) return { status: 'skipped', reason: '`trivy` is not on PATH, so the image was NOT scanned' };
  const { stdout } = await runOrFail(trivyCommand(image, threshold, options), 'trivy image', { silent: true });
  let report: TrivyReport;
  try {
    report = JSON.parse(stdout) as TrivyReport;
  } catch {
    throw new Error(`trivy image gave no JSON report for ${image}: ${cutToLength(stdout, 200)}`);
  }
  const findings = findingsOf(report, threshold);
  return { status: findings.length ? 'failed' : 'passed', threshold, findings };
}
