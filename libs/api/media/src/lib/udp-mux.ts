import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

import { UdpTransport, type RTCPeerConnection } from 'werift';

/**
 * One UDP port for every WebRTC session of a media worker (MEDIA_UDP_PORT: worker i listens on
 * MEDIA_UDP_PORT + i), as mediasoup's WebRtcServer and LiveKit's `rtc.udp_port` do: a firewall or
 * a Kubernetes Service opens one port per core instead of one per session.
 *
 * werift binds a socket per ICE protocol (`UdpTransport.init`). In a worker with a mux, that call
 * returns a `MuxedUdpTransport` instead: werift's own transport interface (send, onData, close,
 * address), over the worker's sockets on that one port. Incoming datagrams go to a session by their source
 * address; a source not seen yet is accepted only with a STUN Binding request whose USERNAME
 * starts with a session's ICE ufrag (RFC 8445 7.2.2: "local:remote"), the only way a browser
 * starts; ICE then checks its MESSAGE-INTEGRITY as before. Anything else from an unknown address
 * is dropped.
 */
export class UdpMux {
  private readonly byAddress = new Map<string, MuxedUdpTransport>();
  private readonly byUfrag = new Map<string, MuxedUdpTransport>();
  private next = 0;
  /** Datagrams dropped: an unknown source that was not a Binding request for a known ufrag. */
  dropped = 0;

  private constructor(readonly sockets: Socket[]) {
    for (const socket of sockets) {
      socket.on('message', (data, rinfo) => this.receive(data, rinfo));
      // A send to an unreachable address (ICMP) must not take the worker down.
      socket.on('error', () => undefined);
    }
  }

  /**
   * Binds `port` on every IPv4 address, as SOCKETS sockets in one SO_REUSEPORT group: the kernel
   * spreads the sources over them (a source always to the same one), so the worker has that many
   * receive queues, as it had one per session before; one queue overflowed when a hundred
   * viewers connected at once (bench:video). The port is first checked free with an ordinary
   * socket, so another process configured with the same port fails here instead of sharing it.
   * Retries a little: a replaced worker's sockets closing.
   */
  static async bind(port: number, bufferBytes?: number, attempts = 20): Promise<UdpMux> {
    for (let attempt = 1; ; attempt++) {
      const sockets: Socket[] = [];
      try {
        await bindSocket(createSocket('udp4'), port).then((probe) => closeSocket(probe));
        for (let i = 0; i < SOCKETS; i++)
          sockets.push(await bindSocket(createSocket({ type: 'udp4', reusePort: true }), port));
        // MEDIA_UDP_BUFFER_BYTES for each queue (capped by the kernel's rmem_max / wmem_max).
        if (bufferBytes)
          for (const socket of sockets) {
            socket.setRecvBufferSize(bufferBytes);
            socket.setSendBufferSize(bufferBytes);
          }
        return new UdpMux(sockets);
      } catch (error) {
        await Promise.all(sockets.map(closeSocket));
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** The socket a new transport sends from (all share the port): spread over the group. */
  socketForSending(): Socket {
    return this.sockets[this.next++ % this.sockets.length];
  }

  get port(): number {
    return this.sockets[0].address().port;
  }

  /** A transport for werift (what `UdpTransport.init` returns in this worker). */
  transport(): MuxedUdpTransport {
    return new MuxedUdpTransport(this, this.socketForSending());
  }

  /**
   * After gathering: the peer's muxed transports answer for its ICE ufrag. A session with several
   * host addresses has one transport per address, all on this port; the first answers for them
   * all (the sockets cannot tell which of the host's addresses a datagram was sent to).
   */
  register(pc: RTCPeerConnection): void {
    for (const ice of pc.iceTransports as unknown as IceInternals[]) {
      const connection = ice.connection;
      const ufrag = connection?.localUsername;
      if (!ufrag) continue;
      const transport = (connection.protocols ?? [])
        .map((protocol) => protocol.transport)
        .find((t): t is MuxedUdpTransport => t instanceof MuxedUdpTransport && !t.closed);
      if (!transport) continue;
      transport.ufrags.add(ufrag);
      this.byUfrag.set(ufrag, transport);
    }
  }

  /** What the worker's stats report: sessions and source addresses routed now, drops so far. */
  stats(): { port: number; sessions: number; sources: number; dropped: number } {
    return {
      port: this.port,
      sessions: new Set(this.byUfrag.values()).size,
      sources: this.byAddress.size,
      dropped: this.dropped,
    };
  }

  forget(transport: MuxedUdpTransport): void {
    for (const ufrag of transport.ufrags)
      if (this.byUfrag.get(ufrag) === transport) this.byUfrag.delete(ufrag);
    for (const key of transport.sources)
      if (this.byAddress.get(key) === transport) this.byAddress.delete(key);
  }

  private receive(data: Buffer, rinfo: RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let transport = this.byAddress.get(key);
    if (!transport) {
      const ufrag = bindingRequestUfrag(data);
      transport = ufrag === undefined ? undefined : this.byUfrag.get(ufrag);
      if (!transport) {
        this.dropped++;
        return;
      }
      this.byAddress.set(key, transport);
      transport.sources.add(key);
    }
    transport.rinfo = rinfo;
    try {
      transport.onData(data, [rinfo.address, rinfo.port]);
    } catch {
      // werift's handler threw on one datagram: the others still go on.
    }
  }
}

/** werift's `UdpTransport` interface over one of the worker's sockets on the shared port. */
export class MuxedUdpTransport {
  readonly type = 'udp';
  readonly socketType = 'udp4';
  readonly addressFamily = 4;
  closed = false;
  rinfo?: RemoteInfo;
  onData: (data: Buffer, address: [string, number]) => void = () => undefined;
  readonly ufrags = new Set<string>();
  readonly sources = new Set<string>();

  constructor(
    private readonly mux: UdpMux,
    readonly socket: Socket,
  ) {}

  get address(): { address: string; port: number; family: string } {
    return this.socket.address();
  }

  get host(): string {
    return this.address.address;
  }

  get port(): number {
    return this.address.port;
  }

  /** werift's `UdpTransport#init`: the worker's socket is bound once, by `installUdpMux`. */
  init(): Promise<void> {
    return Promise.resolve();
  }

  send = (data: Buffer, addr?: [string, number]): Promise<void> => {
    const to = addr ?? (this.rinfo ? [this.rinfo.address, this.rinfo.port] : undefined);
    if (!this.closed && to) this.socket.send(data, to[1], to[0]);
    return Promise.resolve();
  };

  close = (): Promise<void> => {
    if (!this.closed) {
      this.closed = true;
      this.mux.forget(this);
    }
    return Promise.resolve();
  };
}

/** What `UdpMux.register` reaches inside werift: each ICE transport's connection. */
interface IceInternals {
  connection?: {
    localUsername?: string;
    protocols?: { transport?: unknown }[];
  };
}

/** Sockets per worker in the port's SO_REUSEPORT group (receive queues). */
const SOCKETS = 4;

function bindSocket(socket: Socket, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ port, address: '0.0.0.0', exclusive: true }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const USERNAME = 0x0006;

/**
 * The local ufrag of a STUN Binding request (the part of USERNAME before the colon), or undefined
 * when the datagram is not one. Pure: reads within the datagram's bounds only.
 */
export function bindingRequestUfrag(data: Buffer): string | undefined {
  if (data.length < 20 || data.readUInt16BE(0) !== BINDING_REQUEST) return undefined;
  if (data.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const end = Math.min(data.length, 20 + data.readUInt16BE(2));
  let offset = 20;
  while (offset + 4 <= end) {
    const type = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2);
    if (offset + 4 + length > end) return undefined;
    if (type === USERNAME) {
      const username = data.toString('utf8', offset + 4, offset + 4 + length);
      const colon = username.indexOf(':');
      return colon > 0 ? username.slice(0, colon) : undefined;
    }
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}

let installed: UdpMux | undefined;

/**
 * Makes every UDP transport werift opens in this thread (one per ICE host candidate) a muxed
 * transport on `port`. One mux per thread: each media worker has its own werift module instance,
 * so each worker muxes on its own port. The SFU uses no TURN server itself (it is the public end),
 * so no other werift UDP socket is affected.
 */
export async function installUdpMux(port: number, bufferBytes?: number): Promise<UdpMux> {
  if (installed) return installed;
  const mux = await UdpMux.bind(port, bufferBytes);
  installed = mux;
  (UdpTransport as unknown as { init: (...args: unknown[]) => Promise<unknown> }).init = () =>
    Promise.resolve(mux.transport());
  return mux;
}

/** The thread's mux, when `installUdpMux` ran. */
export function udpMux(): UdpMux | undefined {
  return installed;
}
