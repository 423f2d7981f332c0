import { createServer, type Server, type Socket } from 'node:net';

import { TcpPassiveProtocol, type RTCPeerConnection } from 'werift';

import { bindingRequestUfrag } from './udp-mux';

/**
 * ICE over TCP on the worker's one port (MEDIA_UDP_PORT + i, the same number for TCP), as
 * mediasoup's WebRtcServer listens on one TCP port too: with MEDIA_UDP_PORT and MEDIA_ICE_TCP, a
 * firewall or a Kubernetes Service opens MEDIA_WORKERS ports, UDP and TCP, and nothing else.
 *
 * werift listens on a TCP port per session (`TcpPassiveProtocol`, RFC 6544 passive candidates).
 * In a worker with this mux, that protocol listens nowhere: its candidate names the worker's port,
 * and the mux accepts every connection there. A connection's first RFC 4571 frame must be a STUN
 * Binding request whose USERNAME starts with a session's ICE ufrag (how an ICE agent opens a TCP
 * pair); the connection is then handed to that session's protocol, which reads it as if it had
 * accepted it, from that first frame on (ICE checks its MESSAGE-INTEGRITY as before). Anything
 * else (another first frame, none within `firstFrameMs`, a frame larger than a STUN request) is
 * closed.
 */
export class TcpMux {
  private readonly byUfrag = new Map<string, TcpPassiveProtocol>();
  /** Connections closed: their first frame was not a Binding request for a known ufrag. */
  dropped = 0;
  accepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly firstFrameMs: number,
  ) {
    server.on('connection', (socket) => this.accept(socket));
    server.on('error', () => undefined);
  }

  /** Listens on `port` on every IPv4 address (retries a little: a replaced worker's port). */
  static async listen(port: number, firstFrameMs = 10_000, attempts = 20): Promise<TcpMux> {
    for (let attempt = 1; ; attempt++) {
      const server = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port, host: '0.0.0.0', exclusive: true, backlog: 1024 }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return new TcpMux(server, firstFrameMs);
      } catch (error) {
        server.close();
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  get port(): number {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  /** The peer's passive TCP protocols answer for its ICE ufrag (as `UdpMux.register`). */
  register(pc: RTCPeerConnection): void {
    for (const ice of pc.iceTransports as unknown as IceInternals[]) {
      const connection = ice.connection;
      const ufrag = connection?.localUsername;
      if (!ufrag) continue;
      const protocol = (connection.protocols ?? []).find(
        (p): p is TcpPassiveProtocol => p instanceof TcpPassiveProtocol,
      );
      if (protocol) this.byUfrag.set(ufrag, protocol);
    }
  }

  forget(protocol: TcpPassiveProtocol): void {
    for (const [ufrag, registered] of this.byUfrag)
      if (registered === protocol) this.byUfrag.delete(ufrag);
  }

  stats(): { port: number; sessions: number; accepted: number; dropped: number } {
    return {
      port: this.port,
      sessions: this.byUfrag.size,
      accepted: this.accepted,
      dropped: this.dropped,
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    let buffered: Buffer = Buffer.alloc(0);
    const drop = () => {
      this.dropped++;
      socket.destroy();
    };
    const timer = setTimeout(drop, this.firstFrameMs);
    timer.unref();
    socket.on('error', () => undefined);
    const onData = (data: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, data]) : data;
      if (buffered.length < 2) return;
      const length = buffered.readUInt16BE(0);
      if (length > MAX_FIRST_FRAME) return finish(drop);
      if (buffered.length < 2 + length) return;
      const ufrag = bindingRequestUfrag(buffered.subarray(2, 2 + length));
      const protocol = ufrag === undefined ? undefined : this.byUfrag.get(ufrag);
      if (!protocol || !socket.remoteAddress || !socket.remotePort) return finish(drop);
      finish(() => {
        this.accepted++;
        // The session's protocol takes the connection as if it had accepted it, and reads what
        // came so far (the Binding request) through its own handler.
        (protocol as unknown as PassiveInternals).registerSocket(socket, [
          socket.remoteAddress as string,
          socket.remotePort as number,
        ]);
        socket.emit('data', buffered);
      });
    };
    const finish = (then: () => void) => {
      clearTimeout(timer);
      socket.off('data', onData);
      then();
    };
    socket.on('data', onData);
  }
}

/** A Binding request with USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY, FINGERPRINT. */
const MAX_FIRST_FRAME = 1500;

interface IceInternals {
  connection?: { localUsername?: string; protocols?: unknown[] };
}

interface PassiveInternals {
  registerSocket(socket: Socket, remoteAddr: [string, number]): unknown;
  localIp?: string;
}

let installed: TcpMux | undefined;

/**
 * Makes every passive ICE-TCP protocol werift opens in this thread listen nowhere and offer the
 * mux's port instead (one mux per thread: each media worker has its own werift module).
 */
export async function installTcpMux(port: number): Promise<TcpMux> {
  if (installed) return installed;
  const mux = await TcpMux.listen(port);
  installed = mux;
  const proto = TcpPassiveProtocol.prototype as unknown as {
    connectionMade: (this: PassiveInternals, localIp: string) => Promise<void>;
    close: (this: TcpPassiveProtocol) => Promise<void>;
  };
  const close = proto.close;
  proto.connectionMade = function (this: PassiveInternals, localIp: string) {
    this.localIp = localIp;
    return Promise.resolve();
  };
  Object.defineProperty(TcpPassiveProtocol.prototype, 'listeningPort', {
    configurable: true,
    get: () => mux.port,
  });
  proto.close = function (this: TcpPassiveProtocol) {
    mux.forget(this);
    return close.call(this);
  };
  return mux;
}

/** The thread's TCP mux, when `installTcpMux` ran. */
export function tcpMux(): TcpMux | undefined {
  return installed;
}
