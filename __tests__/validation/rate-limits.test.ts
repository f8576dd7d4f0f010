import { afterEach, describe, expect, it } from '@jest/globals';
import { ModelServer, type ModelServerOptions, type Mode } from '../support/model-server.js';
import { prepareValidation, runValidation } from '../../shared/validation/validate.js';
import { folderWith, jsonl } from './fixtures.js';

let server: ModelServer | undefined;
afterEach(() => server?.stop());

async function validate(options: ModelServerOptions, cases: number, mode: Mode = 'deterministic', timeoutMs = 5000) {
  server = await new ModelServer(options).start();
  const rows = Array.from({ length: cases }, (_, i) => ({ id: `c${i}`, input: `q${i}`, assert: [{ contains: `q${i}` }] }));
  const f = folderWith({ 's.jsonl': jsonl(rows) });
  const prepared = await prepareValidation({ suiteFile: f.path('s.jsonl'), endpoint: { url: server.chatUrl(mode), timeoutMs, retries: 3 }, concurrency: 4, confidence: 0.95, method: 'wilson' });
  const started = performance.now();
  const report = await runValidation(prepared, {});
  return { report, wallMs: performance.now() - started };
}

describe('an endpoint that rate-limits', () => {
  it('is waited for as its Retry-After asks, and every case still gets its answer', async () => {
    const { report, wallMs } = await validate({ rateLimit: { perSecond: 4, retryAfter: '1' } }, 10);
    expect(report.tally).toMatchObject({ cases: 10, passedCases: 10, errors: 0 });
    expect(server!.rateLimited).toBeGreaterThan(0);
    // 10 requests at 4 a second cannot all be answered within the first second.
    expect(wallMs).toBeGreaterThanOrEqual(1000);
  });

  it('that asks to come back in a year fails each request at once, naming the wait, instead of hanging', async () => {
    const { report, wallMs } = await validate({ rateLimit: { perSecond: 0, retryAfter: String(365 * 24 * 3600) } }, 3, 'deterministic', 2000);
    expect(report.tally).toMatchObject({ cases: 3, passedCases: 0, errors: 3 });
    expect(report.cases[0].reason).toMatch(/endpoint error: .* answered HTTP 429: .*rate limit exceeded.*; it asks to retry after 8760h, longer than the timeout \(2s\), so it was not waited for/);
    expect(report.verdict).toBe('fail');
    expect(wallMs).toBeLessThan(2000);
  });
});

describe('an endpoint that moved', () => {
  it('is followed through its 308 redirect with the same request', async () => {
    const { report } = await validate({}, 3, 'redirect');
    expect(report.tally).toMatchObject({ cases: 3, passedCases: 3, errors: 0 });
    expect(server!.requests).toMatchObject({ redirect: 3, deterministic: 3 });
  });
});
