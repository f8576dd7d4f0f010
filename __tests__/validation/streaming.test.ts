import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ModelServer } from '../support/model-server.js';
import { prepareValidation, runValidation } from '../../shared/validation/validate.js';
import { renderMarkdown } from '../../shared/validation/render.js';
import { folderWith } from './fixtures.js';

/** Streamed answers (`stream: true`): one SSE chunk per word, `streamDelayMs` apart. */
const server = new ModelServer({ answers: { 'Capital of France?': 'The capital of France is Paris.' }, streamDelayMs: 20 });
beforeAll(() => server.start());
afterAll(() => server.stop());

function suite(endpoint: string, cases: string): string {
  return folderWith({ 's.yaml': `name: streamed\nendpoint:\n${endpoint}\ncases:\n${cases}` }).path('s.yaml');
}

async function validate(file: string, mode: 'deterministic' | 'cut-stream' = 'deterministic') {
  const prepared = await prepareValidation({ suiteFile: file, endpoint: { url: server.chatUrl(mode), timeoutMs: 3000, retries: 0 }, concurrency: 2, confidence: 0.95, method: 'wilson' });
  return runValidation(prepared, { name: 'm' });
}

describe('streamed answers', () => {
  it('times the first token and the output rate per case, gates them, and sums tokens and their cost', async () => {
    const file = suite(
      '  stream: true\n  model: m\n  price-per-1k-tokens: {input: 0.5, output: 2}',
      [
        '  - {id: quick, input: "Capital of France?", assert: [{contains: Paris}, {ttft-ms: 2000}, {tokens-per-second: 5}]}',
        '  - {id: too-slow-start, input: "Capital of France?", assert: [{ttft-ms: 1}]}',
        '  - {id: too-slow-rate, input: "Capital of France?", assert: [{tokens-per-second: 100000}]}',
      ].join('\n'),
    );
    const report = await validate(file);
    const byId = Object.fromEntries(report.cases.map((c) => [c.id, c]));
    expect(byId.quick.passed).toBe(true);
    expect(byId.quick.ttftMs).toBeGreaterThanOrEqual(15);
    expect(byId.quick.tokensPerSecond).toBeGreaterThan(2);
    expect(byId['too-slow-start'].reason).toMatch(/^ttft-ms: first token after \d+ ms > 1 ms$/);
    expect(byId['too-slow-rate'].reason).toMatch(/^tokens-per-second: [\d.]+ tokens\/s < 100000$/);
    // Six words, 20 ms apart: the first after about 20 ms, then at most 50 tokens/s (5 more in 100 ms or more).
    expect(report.performance.ttftP50Ms).toBeGreaterThanOrEqual(15);
    expect(report.performance.tokensPerSecondP50).toBeGreaterThan(2);
    expect(report.performance.tokensPerSecondP50).toBeLessThan(60);
    // "Capital of France?" is 3 words (the server's token count), the answer 6, for each of 3 cases.
    expect(report.usage).toMatchObject({ input: 9, output: 18, cost: { input: 0.0045, output: 0.036 } });
    expect(report.usage?.cost?.total).toBeCloseTo(0.0405, 10);
    const markdown = renderMarkdown(report);
    expect(markdown).toMatch(/\*\*Streaming\*\*: time to first token p50 \d+ ms/);
    // Reasons are escaped for Markdown and HTML in the summary, so `>` is written as `&gt;` (and still reads `>`).
    expect(markdown).toMatch(/\| too-slow-start \| \d+ \| 0\/1 \| ttft-ms: first token after \d+ ms &gt; 1 ms \(first token \d+ ms, [\d.]+ tokens\/s\) \|/);
    expect(markdown).toContain('**Tokens**: 9 input, 18 output; cost 0.040 (input 0.0045, output 0.036).');
  });

  it('counts a stream that stops in the middle of an event as an endpoint error, never as a short answer', async () => {
    const file = suite('  stream: true', '  - {id: a, input: "Capital of France?", assert: [{not-contains: Berlin}]}');
    const report = await validate(file, 'cut-stream');
    expect(report.cases[0]).toMatchObject({ passed: false, errors: 1 });
    expect(report.cases[0].reason).toMatch(/endpoint error: .*ended its stream before `data: \[DONE\]` \(after 1 content chunk\(s\)\)/);
  });

  it('refuses ttft-ms and tokens-per-second gates on an endpoint that does not stream, before any request', async () => {
    const before = server.requests.deterministic ?? 0;
    const file = suite('  model: m', '  - {id: a, input: "x", assert: [{ttft-ms: 500}]}');
    await expect(validate(file)).rejects.toThrow(/`ttft-ms` assertions need a streamed answer: set `stream: true` in the suite's `endpoint:` block/);
    expect(server.requests.deterministic ?? 0).toBe(before);
  });
});

describe('a stream that sends an error event', () => {
  it('is an endpoint error with the error it sent', async () => {
    const { createServer } = await import('node:http');
    const { LoopbackServer } = await import('../support/loopback-server.js');
    const erring = new LoopbackServer(
      createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"Par"}}]}\n\n');
        res.end('data: {"error":{"message":"model overloaded mid-answer"}}\n\n');
      }),
    );
    const url = await erring.listen();
    try {
      const file = suite('  stream: true', '  - {id: a, input: "Capital of France?", assert: [{not-contains: Berlin}]}');
      const prepared = await prepareValidation({ suiteFile: file, endpoint: { url: `${url}/v1`, timeoutMs: 3000, retries: 0 }, concurrency: 1, confidence: 0.95, method: 'wilson' });
      const report = await runValidation(prepared, {});
      expect(report.cases[0]).toMatchObject({ passed: false, errors: 1 });
      expect(report.cases[0].reason).toMatch(/endpoint error: .*streamed an error: model overloaded mid-answer/);
    } finally {
      await erring.close();
    }
  });
});
