import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { run } from '../../actions/model-validate/main.js';
import { LoopbackServer } from '../support/loopback-server.js';
import { runInProcess } from '../support/run-step.js';
import { folderWith, jsonl } from '../validation/fixtures.js';

const API_KEY = 'sk-live-echoed-5f3a9c1e77';

/** A model endpoint (OpenAI chat API) that echoes the request's Authorization header in its answer, as debug proxies do. */
const echo = new LoopbackServer(
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const content = `You sent ${req.headers.authorization ?? 'nothing'} | <img src=x onerror=alert(1)> [click](https://evil.example)`;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
    });
  }),
);
beforeAll(() => echo.listen());
afterAll(() => echo.close());

describe('a model endpoint that echoes the api-key', () => {
  it('leaves it out of the report file, the outputs, the log and the summary, and escapes the answer shown there', async () => {
    // The case fails (it wants an answer the endpoint never gives), so the answer is shown as the reason.
    const suite = folderWith({ 'echo.jsonl': jsonl([{ suite: { name: 'echo' } }, { id: 'echo-[1]', input: 'hello', assert: [{ equals: 'never' }] }]) });
    const result = await runInProcess(run, { suite: 'echo.jsonl', endpoint: `${echo.url}/v1/chat/completions`, 'api-key': API_KEY, retries: '0' }, {
      env: { GITHUB_WORKSPACE: suite.dir, RUNNER_TEMP: folderWith({}).dir, ACTIONS_RUNTIME_TOKEN: '' },
    });
    const report = readFileSync(result.outputs.report, 'utf8');
    expect(report).toContain('You sent Bearer ***');
    const unmasked = result.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
    for (const output of [report, unmasked, result.summary, JSON.stringify(result.outputs)]) expect(output).not.toContain(API_KEY);
    expect(result.stdout).toContain(`::add-mask::${API_KEY}`);
    // The endpoint's text reaches the summary as text: no HTML, no link, no broken table.
    expect(result.summary).toContain('echo-\\[1\\]');
    expect(result.summary).toContain('You sent Bearer \\*\\*\\* \\| &lt;img src=x onerror=alert(1)&gt; \\[click');
    expect(result.summary).not.toContain('<img');
  });
});
