import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run } from '../../actions/monitor-canary/main.js';
import { FakeArtifactService } from '../support/fake-artifact-service.js';
import { runInProcess } from '../support/run-step.js';
import { TRACE_METRICS, traceFixture } from './monitor-canary-support.js';

// monitor-canary on a runner: its analysis report goes to the (fake) artifact service.

const artifacts = new FakeArtifactService();
beforeAll(() => artifacts.start());
afterAll(() => artifacts.stop());


describe('monitor-canary with the artifact service', () => {
  it('uploads the JSON report at `report` as an artifact named after the file, kept 30 days; the token is never logged', async () => {
    const env = { ...artifacts.env({ run: 'run-1', job: 'job-monitor' }), RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'mc-')), GITHUB_SERVER_URL: 'https://github.com' };
    const before = Date.now();
    const r = await runInProcess(run, { metrics: TRACE_METRICS, replay: traceFixture('trace-good.json') }, { env });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(artifacts.rejections).toEqual([]);
    const [a] = artifacts.finalized();
    expect(artifacts.finalized()).toHaveLength(1);
    expect(a).toMatchObject({ name: basename(r.outputs.report, '.json'), run: 'run-1', job: 'job-monitor' });
    expect(a.name).toMatch(/^monitor-canary-replay-/);
    expect(a.files).toEqual({ [basename(r.outputs.report)]: readFileSync(r.outputs.report, 'utf8') });
    expect(Date.parse(a.expiresAt!) - before).toBeGreaterThan(30 * 24 * 3600_000 - 3600_000);
    expect(Date.parse(a.expiresAt!) - Date.now()).toBeLessThan(30 * 24 * 3600_000 + 3600_000);
    expect(r.stdout.split('\n').filter((l) => l.includes(env.ACTIONS_RUNTIME_TOKEN))).toEqual([]);
  });
});
