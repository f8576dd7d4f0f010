// Pods that serve: runs inside the sandbox's data-plane network namespace (parts/gateway.mjs),
// watches pods on the kwok nodes and, for each Running pod with the annotation
// `ai-deploy.test/serve: model-server` and an IP in the sandbox pod range, runs netns/model-pod.mjs
// listening on that IP and the pod's container ports, with the pod's env. Stops it when the pod is
// deleted, terminating or no longer Running. Readiness is kwok's: this only decides who listens.
//   node pods.mjs <api server URL> <ca> <cert> <key> <pod CIDR prefix, e.g. 198.18.>
import https from 'node:https';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [server, ca, cert, key, ipPrefix] = process.argv.slice(2);
const tls = { ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key) };
const serveScript = fileURLToPath(new URL('./model-pod.mjs', import.meta.url));
const log = (m) => console.log(`${new Date().toISOString()} ${m}`);

/** uid -> {child, key} of the serving processes this watcher started. */
const serving = new Map();

function wanted(pod) {
  const ip = pod.status?.podIP ?? '';
  return pod.metadata.annotations?.['ai-deploy.test/serve'] === 'model-server' && !pod.metadata.deletionTimestamp
    && pod.status?.phase === 'Running' && ip.startsWith(ipPrefix); // never listen for an address outside the netns range
}

function envOf(pod) {
  const c = pod.spec.containers[0];
  const env = { POD_NAME: `${pod.metadata.namespace}/${pod.metadata.name}` };
  for (const e of c.env ?? []) if (typeof e.value === 'string') env[e.name] = e.value;
  return env;
}

function portsOf(pod) {
  const ports = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
  return ports.length ? [...new Set(ports)] : [8080];
}

// A real pod keeps serving for a moment after it is marked for deletion (its server drains on SIGTERM, often
// behind a preStop sleep) while the endpoints controller and the gateway drop it. A pod that goes away is
// stopped after DRAIN_MS, as such a server would; one whose spec changed is replaced at once.
const DRAIN_MS = 2_000;
/** pod IP -> kill() of a process still draining there; a new pod given that IP ends it at once. */
const draining = new Map();

function stop(uid, drainMs = 0) {
  const s = serving.get(uid);
  if (!s) return;
  serving.delete(uid);
  const kill = () => {
    s.child.kill('SIGTERM');
    log(`stopped ${s.key}`);
  };
  if (drainMs === 0) return kill();
  log(`draining ${s.key} for ${drainMs} ms`);
  const end = () => {
    clearTimeout(timer);
    if (draining.get(s.ip) === end) draining.delete(s.ip);
    kill();
  };
  const timer = setTimeout(end, drainMs);
  draining.get(s.ip)?.();
  draining.set(s.ip, end);
}

function reconcile(pod) {
  const uid = pod.metadata.uid;
  if (!wanted(pod)) return stop(uid, DRAIN_MS);
  const ports = portsOf(pod);
  const key = `${pod.metadata.namespace}/${pod.metadata.name} ${pod.status.podIP}:${ports.join(',')} ${JSON.stringify(envOf(pod))}`;
  if (serving.get(uid)?.key === key) return;
  stop(uid);
  draining.get(pod.status.podIP)?.();
  const child = spawn(process.execPath, [serveScript, pod.status.podIP, ...ports.map(String)], {
    env: { PATH: process.env.PATH, ...envOf(pod) }, stdio: ['pipe', 'inherit', 'inherit'],
  });
  child.on('exit', () => { if (serving.get(uid)?.child === child) serving.delete(uid); });
  serving.set(uid, { child, key, ip: pod.status.podIP });
  log(`serving ${key}`);
}

function get(path) {
  return new Promise((resolve, reject) => {
    https.get(new URL(path, server), { ...tls, headers: { accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** Stream watch events from resourceVersion until the server ends the watch (or it fails). */
function watch(resourceVersion) {
  return new Promise((resolve, reject) => {
    const req = https.get(new URL(`/api/v1/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${resourceVersion}`, server),
      { ...tls, headers: { accept: 'application/json' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch pods: ${res.statusCode}`));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          buf += c;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line);
            if (ev.type === 'ERROR') return req.destroy(new Error(`watch: ${ev.object?.message}`)); // e.g. 410 Gone: relist
            if (ev.type === 'DELETED') stop(ev.object.metadata.uid, DRAIN_MS);
            else if (ev.type !== 'BOOKMARK') reconcile(ev.object);
          }
        });
        res.on('end', resolve);
        res.on('error', reject);
      });
    req.on('error', reject);
  });
}

async function main() {
  for (;;) {
    try {
      const list = await get('/api/v1/pods');
      const seen = new Set(list.items.map((p) => p.metadata.uid));
      for (const uid of [...serving.keys()]) if (!seen.has(uid)) stop(uid, DRAIN_MS);
      for (const pod of list.items) reconcile(pod);
      await watch(list.metadata.resourceVersion);
    } catch (e) {
      log(`relisting after: ${e.message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

const shutdown = () => {
  for (const uid of [...serving.keys()]) stop(uid);
  for (const end of [...draining.values()]) end();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
log(`watching pods on ${server}, serving IPs ${ipPrefix}*`);
main();
