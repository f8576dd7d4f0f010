import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP server of the tests on a free loopback port. close() also ends the connections clients keep alive,
 * which would otherwise hold the server (and the test run) open.
 */
export class LoopbackServer {
  url = '';
  private readonly sockets = new Set<Socket>();

  constructor(readonly server: Server) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on `port` (0: any free one); returns the base URL. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
