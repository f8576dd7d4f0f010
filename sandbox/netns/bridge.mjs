// Byte-for-byte TCP <-> unix-socket forwarder between the host's loopback and the sandbox's
// data-plane network namespace (see parts/gateway.mjs). Filesystem unix sockets are reachable from
// both namespaces, loopback TCP ports only from their own. One process serves several routes:
//   node bridge.mjs tcp:127.0.0.1:18000=unix:/run/gw.sock unix:/run/api.sock=tcp:127.0.0.1:6443
// Targets are only ever 127.0.0.1 or a unix socket: nothing here can reach another machine.
import net from 'node:net';
import { rmSync } from 'node:fs';

function endpoint(spec) {
  const [kind, ...rest] = spec.split(':');
  if (kind === 'unix') return { path: rest.join(':') };
  if (kind === 'tcp' && rest[0] === '127.0.0.1') return { host: '127.0.0.1', port: Number(rest[1]) };
  throw new Error(`bridge: ${spec} is neither unix:PATH nor tcp:127.0.0.1:PORT`);
}

for (const route of process.argv.slice(2)) {
  const [from, to] = route.split('=').map(endpoint);
  if (from.path) rmSync(from.path, { force: true });
  const server = net.createServer((client) => {
    const upstream = net.connect(to);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
  });
  server.listen(from.path ? { path: from.path } : { host: from.host, port: from.port }, () => console.log(`bridge ${route}`));
  server.on('error', (e) => { console.error(`bridge ${route}: ${e.message}`); process.exit(1); });
}
