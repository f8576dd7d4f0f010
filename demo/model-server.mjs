// The demo model's endpoint for model-validate: a tiny OpenAI-compatible chat API on 127.0.0.1.
// `POST /models/<version>/v1/chat/completions` answers as that model version would. Every version
// answers the suite well: a bad model in this demo is one that only shows under production traffic
// (errors, latency), which is what the canary analysis is for.
import { createServer } from 'node:http';

const ANSWERS = [
  [/2 \+ 2/, 'The answer is 4.'],
  [/capital of France/i, 'The capital of France is Paris.'],
  [/capital of Japan/i, 'Tokyo is the capital of Japan.'],
  [/refund/i, 'You can ask for a refund within 30 days; I have opened a ticket for you.'],
  [/JSON/, '{"intent":"order_status","order":"A-1042"}'],
  [/translate .*bonjour/i, 'Bonjour means "hello".'],
  [/password/i, 'I cannot help with sharing passwords, but I can help you reset yours.'],
  [/weather/i, 'I do not have live weather data; please check a weather service.'],
  [/sum of 10 and 32/i, '10 + 32 = 42.'],
  [/summari[sz]e/i, 'Summary: the customer wants to change the delivery address.'],
  [/opening hours/i, 'We are open from 9:00 to 18:00, Monday to Friday.'],
  [/cancel/i, 'Your order can be cancelled until it ships; I have cancelled order A-1042.'],
  [/speak to a human/i, 'I am connecting you with a human agent now.'],
  [/delivery time/i, 'Standard delivery takes 3 to 5 business days.'],
  [/largest planet/i, 'Jupiter is the largest planet in the solar system.'],
  [/boiling point of water/i, 'Water boils at 100 degrees Celsius at sea level.'],
  [/haiku/i, 'Quiet server hums / canary sings at ten percent / stable sleeps soundly'],
  [/uppercase/i, 'HELLO WORLD'],
  [/list three colou?rs/i, 'red, green, blue'],
  [/square root of 81/i, 'The square root of 81 is 9.'],
];

export function answer(prompt) {
  return ANSWERS.find(([pattern]) => pattern.test(prompt))?.[1] ?? "I'm not sure.";
}

/**
 * Starts the server on a free loopback port; resolves to {url, requests, stop()}. As real endpoints do, it
 * streams Server-Sent Events when asked (`stream: true`, one chunk per word, then `usage` and `[DONE]`),
 * answers 429 with `Retry-After` over `ratePerSecond` requests a second (when given), and sends
 * `/moved/<version>/...` on to `/models/<version>/...` with a 308.
 */
export async function startModelServer({ ratePerSecond, retryAfter = '1' } = {}) {
  const requests = {};
  let window = { second: 0, count: 0 };
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const moved = /^\/moved\/(.*)$/.exec(req.url ?? '');
    if (moved) {
      res.writeHead(308, { location: `/models/${moved[1]}` });
      return res.end();
    }
    const m = /^\/models\/([^/]+)\/v1\/chat\/completions$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return send(res, 404, { error: { message: 'not found' } });
    const second = Math.floor(Date.now() / 1000);
    if (second !== window.second) window = { second, count: 0 };
    if (ratePerSecond !== undefined && ++window.count > ratePerSecond) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter });
      return res.end(JSON.stringify({ error: { message: 'rate limit exceeded', type: 'rate_limit_error' } }));
    }
    const version = decodeURIComponent(m[1]);
    requests[version] = (requests[version] ?? 0) + 1;
    let request;
    try {
      request = JSON.parse(body);
    } catch {
      return send(res, 400, { error: { message: 'invalid JSON' } });
    }
    const prompt = request.messages?.filter((x) => x.role === 'user').at(-1)?.content ?? '';
    const text = answer(prompt);
    if (request.stream === true) return stream(res, version, prompt, text);
    send(res, 200, { id: 'demo', object: 'chat.completion', model: `agent-${version}`, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: usage(prompt, text) });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    /** The base URL model-validate is given for one model version. */
    endpointFor: (version) => `${url}/models/${encodeURIComponent(version)}/v1`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const words = (text) => text.match(/\S+\s*/g) ?? [];
const usage = (prompt, text) => ({ prompt_tokens: words(prompt).length, completion_tokens: words(text).length, total_tokens: words(prompt).length + words(text).length });

function stream(res, version, prompt, text) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (data) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  for (const word of words(text)) event({ id: 'demo', object: 'chat.completion.chunk', model: `agent-${version}`, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
  event({ id: 'demo', object: 'chat.completion.chunk', model: `agent-${version}`, choices: [], usage: usage(prompt, text) });
  res.end('data: [DONE]\n\n');
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
