// The serving process of one sandbox pod (started by netns/pods.mjs inside the data-plane netns):
// a tiny OpenAI-compatible model endpoint on the pod's IP and container ports. Behaviour per model
// version comes from the pod's env, as a real model server's would from its image:
//   MODEL_VERSION      sent back on every response as `x-model-version` (who served it)
//   MODEL_ERROR_RATE   share of requests answered with HTTP 500 (0..1, default 0)
//   MODEL_LATENCY_MS   added delay before each answer (default 0)
//   MODEL_PROFILES     JSON {"<version>": {"errorRate": 0.3, "latencyMs": 400}}: behaviour per version, so a
//                      canary that only changes MODEL_VERSION (as canary-deploy does) behaves as that version
// `x-pod-name` names the pod. GET /healthz answers 200 without errors or delay.
import { createServer } from 'node:http';

const [ip, ...ports] = process.argv.slice(2);
const version = process.env.MODEL_VERSION ?? '';
let profile = {};
try { profile = JSON.parse(process.env.MODEL_PROFILES ?? '{}')[version] ?? {}; } catch {}
const errorRate = Math.min(1, Math.max(0, Number(profile.errorRate ?? process.env.MODEL_ERROR_RATE ?? 0) || 0));
const latencyMs = Math.max(0, Number(profile.latencyMs ?? process.env.MODEL_LATENCY_MS ?? 0) || 0);
const pod = process.env.POD_NAME ?? '';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function handle(req, res) {
  for await (const _ of req); // drain the body
  const headers = { 'content-type': 'application/json', 'x-model-version': version, 'x-pod-name': pod };
  if (req.url === '/healthz') return res.writeHead(200, headers).end('{"ok":true}');
  if (latencyMs) await sleep(latencyMs);
  if (Math.random() < errorRate) {
    return res.writeHead(500, headers).end(JSON.stringify({ error: { message: `model ${version} failed` } }));
  }
  res.writeHead(200, headers).end(JSON.stringify({
    id: 'sandbox', object: 'chat.completion', model: version,
    choices: [{ index: 0, message: { role: 'assistant', content: `answered by ${version}` }, finish_reason: 'stop' }],
  }));
}

for (const port of ports) {
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  server.keepAliveTimeout = 30_000;
  server.on('error', (e) => { console.error(`${pod} ${ip}:${port}: ${e.message}`); process.exit(1); });
  server.listen(Number(port), ip);
}
process.on('SIGTERM', () => process.exit(0));
process.stdin.on('close', () => process.exit(0)); // the watcher that started us is gone (even by SIGKILL)
process.stdin.resume();
