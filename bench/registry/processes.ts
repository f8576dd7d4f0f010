import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Runs a command (argument array, no shell) and resolves with its stdout; rejects on a non-zero exit. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim().split('\n').pop()}`))));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * A moto_server of the bench's own (a gigabyte in the shared sandbox's moto would slow colleagues' tests,
 * and their resets would empty the bench's bucket). REGISTRY_BENCH_S3_ENDPOINT uses a running one instead.
 */
export async function startMoto(): Promise<{ endpoint: string; stop: () => void }> {
  const given = process.env.REGISTRY_BENCH_S3_ENDPOINT;
  if (given) return { endpoint: given, stop: () => undefined };
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop: () => child.kill('SIGTERM') };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`moto_server did not answer on ${endpoint} within 10 s`);
}
