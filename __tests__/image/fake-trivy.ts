import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeTool, tempDir } from './support.js';

export interface TrivyCall {
  args: string[];
  username?: string;
  hasPassword: boolean;
  nonSsl?: string;
}

/**
 * A fake `trivy` (its vulnerability database cannot be downloaded here): records its arguments and the
 * TRIVY_* credentials it was handed, and prints the given JSON report as `trivy image --format json` does.
 */
export function fakeTrivy(reportPath: string): { binDir: string; calls: () => TrivyCall[] } {
  const log = join(tempDir('ai-deploy-trivy-log-'), 'calls.jsonl');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const e = process.env;
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args: process.argv.slice(2), username: e.TRIVY_USERNAME, hasPassword: Boolean(e.TRIVY_PASSWORD), nonSsl: e.TRIVY_NON_SSL }) + '\\n');
process.stderr.write('2026-01-01T00:00:00Z INFO Vulnerability scanning is enabled\\n');
process.stdout.write(fs.readFileSync(${JSON.stringify(reportPath)}, 'utf8'));
`;
  return {
    binDir: fakeTool('trivy', script),
    calls: () => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrivyCall),
  };
}
