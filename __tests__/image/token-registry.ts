import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createSign, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from './support.js';

export interface TokenRequest {
  scope: string;
  service: string;
  user?: string;
}

/**
 * A real registry (distribution) in token-auth mode, as ghcr.io and Docker Hub work, with the small token
 * service it trusts run here: it checks Basic credentials and signs JWTs (RS256, x5c) with a key whose
 * self-signed certificate the registry holds. Records every token request.
 */
export class TokenRegistry {
  host = '';
  readonly tokenRequests: TokenRequest[] = [];
  private registry?: ChildProcess;
  private server?: Server;

  constructor(readonly username = 'bot', readonly password = 'token-registry-pw') {}

  async start(): Promise<this> {
    const dir = tempDir('ai-deploy-token-registry-');
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=ai-deploy-test-issuer'], { stdio: 'ignore' });
    const privateKey = createPrivateKey(readFileSync(key));
    const x5c = new X509Certificate(readFileSync(cert)).raw.toString('base64');

    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const header = req.headers.authorization ?? '';
      const [user, pass] = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString().split(':') : [];
      const scope = url.searchParams.get('scope') ?? '';
      this.tokenRequests.push({ scope, service: url.searchParams.get('service') ?? '', user });
      if (user !== this.username || pass !== this.password) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"incorrect username or password"}');
        return;
      }
      const [, name, actions] = scope.split(':');
      const now = Math.floor(Date.now() / 1000);
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const head = b64({ alg: 'RS256', typ: 'JWT', x5c: [x5c] });
      const claims = b64({ iss: 'ai-deploy-test', sub: user, aud: 'ai-deploy-registry', exp: now + 300, nbf: now - 10, iat: now, jti: String(Math.random()), access: [{ type: 'repository', name, actions: actions.split(',') }] });
      const signature = createSign('RSA-SHA256').update(`${head}.${claims}`).sign(privateKey).toString('base64url');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${head}.${claims}.${signature}`, expires_in: 300 }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const realm = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;

    const port = await freePort();
    this.host = `127.0.0.1:${port}`;
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      `version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}
http: {addr: "${this.host}", secret: test}
auth: {token: {realm: "${realm}", service: ai-deploy-registry, issuer: ai-deploy-test, rootcertbundle: ${cert}}}
`,
    );
    // distribution reads REGISTRY_* variables as configuration (REGISTRY_AUTH would replace `auth`).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    this.registry = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    this.registry.stderr!.on('data', (d) => (stderr += d));
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://${this.host}/v2/`).then((r) => r.status === 401, () => false);
      if (ok) return this;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the token-auth registry did not start: ${stderr}`);
  }

  async stop(): Promise<void> {
    this.registry?.kill();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
