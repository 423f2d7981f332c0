import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the API, to cut a client's connection the way a dead network does:
 * `freeze()` stops forwarding in both directions without closing anything, so no FIN and no
 * WebSocket close frame reaches the server; only keep-alive can notice.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets: Socket[] = [];
  private frozen = false;
  private refusing = false;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.push(client, upstream);
      client.on('data', (chunk) => !this.frozen && upstream.write(chunk));
      upstream.on('data', (chunk) => !this.frozen && client.write(chunk));
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      client.on('close', () => !this.frozen && upstream.destroy());
      upstream.on('close', () => !this.frozen && client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** The target goes away: every open connection is reset and new ones are dropped at once. */
  cut(): void {
    this.refusing = true;
    this.sockets.splice(0).forEach((socket) => socket.destroy());
  }

  /** The target is back: new connections are forwarded again. */
  restore(): void {
    this.refusing = false;
  }

  /**
   * Ends every connection made so far (both sides: the client sees its socket close) and lets
   * new connections through again: a network that was down and came back.
   */
  drop(): void {
    this.sockets.splice(0).forEach((socket) => socket.destroy());
    this.frozen = false;
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/**
 * A load balancer with failover, as in front of several API instances: each new connection goes
 * to the first target that accepts it, so when one instance dies its clients reconnect to the next.
 */
export class FailoverProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPorts: number[]) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      client.pause();
      const attempt = (index: number) => {
        if (index >= this.targetPorts.length || client.destroyed) {
          client.destroy();
          return;
        }
        const upstream = connect(this.targetPorts[index], '127.0.0.1');
        upstream.once('error', () => attempt(index + 1));
        upstream.once('connect', () => {
          this.sockets.add(upstream);
          upstream.removeAllListeners('error');
          upstream.on('error', () => client.destroy());
          upstream.on('close', () => {
            this.sockets.delete(upstream);
            client.destroy();
          });
          client.on('close', () => upstream.destroy());
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
      };
      attempt(0);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
