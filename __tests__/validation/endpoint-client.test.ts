import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { createEndpointClient } from '../../shared/validation/endpoint/clients.js';
import { resolveEndpoint } from '../../shared/validation/endpoint/spec.js';
import { LoopbackServer } from '../support/loopback-server.js';

/** An OpenAI-compatible endpoint whose answer is the request it got: headers and body. */
const server = new LoopbackServer(
  createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const content = JSON.stringify({ headers: req.headers, body: JSON.parse(body), path: req.url });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { content } }], usage: { prompt_tokens: 7, completion_tokens: 3 } }));
  }),
);
let url = '';
beforeAll(async () => {
  url = await server.listen();
});
afterAll(() => server.close());

async function echo(suite: Record<string, unknown>, apiKey?: string) {
  const client = createEndpointClient(resolveEndpoint({ url: `${url}/v1`, ...suite }, { timeoutMs: 2000, retries: 0, apiKey }, 's.yaml'), 1);
  try {
    const c = await client.complete({ input: 'hi', vars: {} });
    return { ...c, sent: JSON.parse(c.output) as { headers: Record<string, string>; body: Record<string, unknown>; path: string } };
  } finally {
    await client.close();
  }
}

describe('the openai-chat endpoint client', () => {
  it("sends the suite's model, system message, params and headers (replacing its own of the same name) and the api key as a bearer token", async () => {
    const { sent, usage } = await echo({ model: 'agent', system: 'Be brief.', params: { temperature: 0 }, headers: { Accept: 'application/vnd.acme+json', 'x-tenant': 'acme' } }, 'sk-123');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body).toEqual({ temperature: 0, model: 'agent', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    expect(sent.headers).toMatchObject({ accept: 'application/vnd.acme+json', 'x-tenant': 'acme', authorization: 'Bearer sk-123', 'content-type': 'application/json' });
    expect(usage).toEqual({ input: 7, output: 3 });
  });

  it('asks for a stream with usage when the suite says stream: true', async () => {
    // This server answers whole even so: accepted, with no first token to time.
    const { sent, ttftMs } = await echo({ model: 'agent', stream: true });
    expect(sent.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(ttftMs).toBeUndefined();
  });

  it('refuses headers that cannot be sent, before any request', () => {
    const resolve = (headers: Record<string, string>, apiKey?: string) => resolveEndpoint({ url: 'http://127.0.0.1:1/v1', headers }, { timeoutMs: 1000, retries: 0, apiKey }, 's.yaml');
    expect(() => resolve({ 'x-token': 'a\r\nx-injected: 1' })).toThrow('Suite s.yaml: endpoint header `x-token` has a line break or NUL in its value.');
    expect(() => resolve({ 'bad name': 'v' })).toThrow('Suite s.yaml: endpoint header name "bad name" is not a valid HTTP header name.');
    expect(() => resolve({ 'Content-Length': '5' })).toThrow('Suite s.yaml: endpoint header `Content-Length` is set by the client itself.');
    expect(() => resolve({}, 'sk-123\n')).toThrow(/The `api-key` input has a line break/);
  });
});
