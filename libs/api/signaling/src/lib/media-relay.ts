import { createHmac, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';

import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';

import { AppConfig } from '@finserve/api/core';

import { MediaBackend } from './media-backend';
import { MediaCluster, type MediaNodeHooks } from './media-cluster';

/** What the embedded SFU (MediaWorkers) offers relays: a stream's feed out, and in. */
export interface RelayCapableBackend {
  tapFeed(
    streamId: string,
    onBatch: (batch: Uint8Array) => void,
  ): { requestKeyframe(layerKey?: string): void; close(): void };
  relayFrom(
    streamId: string,
    upstream: { requestKeyframe(layerKey?: string): void },
  ): { push(batch: Uint8Array): void; close(): void };
  /** Viewing sessions this node serves now (every stream). */
  viewerCount(): number;
  /** Open sessions of one stream on this node. */
  streamSessions(streamId: string): number;
}

function relayCapable(backend: MediaBackend): RelayCapableBackend | null {
  const candidate = backend as Partial<RelayCapableBackend>;
  return typeof candidate.tapFeed === 'function' && typeof candidate.relayFrom === 'function'
    ? (backend as unknown as RelayCapableBackend)
    : null;
}

/** Frame types on a relay connection: [u32 length][u8 type][payload]. */
const HELLO = 1;
const BATCH = 2;
const UP = 3;
/** A relay opening is valid this long (clocks of the nodes agree within it). */
const HELLO_VALIDITY_MS = 60_000;
/** A relay that cannot keep up (its socket buffers this much) is dropped; its node reconnects. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const RECONNECT_MS = 500;
/** A relay keeps trying this long even before its node has a viewer of the stream. */
const RELAY_GRACE_MS = 10_000;

export interface Hello {
  streamId: string;
  node: string;
  expires: number;
  mac: string;
}

interface Up {
  layer?: string;
}

/** The largest frame before a relay is opened (a hello), and after (a batch of packets). */
export const MAX_HELLO_BYTES = 4096;
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** The header of one frame ([u32 length of type + payload][u8 type]); the payload follows it. */
export function frameHeader(type: number, payloadLength: number): Buffer {
  const header = Buffer.allocUnsafe(5);
  header.writeUInt32BE(payloadLength + 1, 0);
  header.writeUInt8(type, 4);
  return header;
}

function writeFrame(socket: Socket, type: number, payload: Uint8Array): void {
  socket.write(frameHeader(type, payload.length));
  socket.write(payload);
}

/**
 * Splits a byte stream into frames. A frame longer than `maxLength()` (or empty) is a protocol
 * error: `onError` is called and nothing more is read.
 */
export function frameReader(
  onFrame: (type: number, payload: Buffer) => void,
  maxLength: () => number,
  onError: () => void,
): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0);
  let failed = false;
  return (chunk) => {
    if (failed) return;
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length === 0 || length > maxLength() + 1) {
        failed = true;
        onError();
        return;
      }
      if (buffered.length < 4 + length) break;
      onFrame(buffered.readUInt8(4), buffered.subarray(5, 4 + length));
      buffered = buffered.subarray(4 + length);
    }
  };
}

/** The opening of a relay: which stream, for which node, until when, and its HMAC. */
export function relayHello(key: Buffer, streamId: string, node: string, expires: number): Hello {
  return { streamId, node, expires, mac: helloMac(key, streamId, node, expires).toString('hex') };
}

/** Whether an opening is well formed, unexpired (and not too far ahead), with a valid HMAC. */
export function validRelayHello(key: Buffer, hello: unknown, now: number): hello is Hello {
  const candidate = hello as Partial<Hello> | null;
  if (
    !candidate ||
    typeof candidate.streamId !== 'string' ||
    typeof candidate.node !== 'string' ||
    typeof candidate.expires !== 'number' ||
    typeof candidate.mac !== 'string' ||
    candidate.expires < now ||
    candidate.expires > now + 2 * HELLO_VALIDITY_MS
  )
    return false;
  const given = Buffer.from(candidate.mac, 'hex');
  const expected = helloMac(key, candidate.streamId, candidate.node, candidate.expires);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function helloMac(key: Buffer, streamId: string, node: string, expires: number): Buffer {
  return createHmac('sha256', key).update(`${streamId}|${node}|${expires}`).digest();
}

interface Relay {
  home: string;
  /** When this node started relaying the stream (its first viewer may still be joining). */
  since: number;
  socket?: Socket;
  ingest?: { push(batch: Uint8Array): void; close(): void };
  retry?: NodeJS.Timeout;
}

/**
 * Relays between media nodes. A node serving viewers of a stream homed elsewhere takes ONE copy
 * of it from the home node (whatever the number of its viewers) over TCP, opened with an HMAC of
 * MEDIA_RELAY_SECRET, and feeds its own workers from it; keyframe requests go back up. The home's
 * side taps the stream's feed where its publisher is. Framing: [u32 length][u8 type][payload];
 * the payload of a batch is the SFU's relay-feed encoding, unchanged.
 *
 * The transport authenticates but does not encrypt: run nodes on a private network (or a
 * WireGuard/mesh link between sites).
 */
@Injectable()
export class MediaRelay implements MediaNodeHooks, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MediaRelay.name);
  private readonly relays = new Map<string, Relay>();
  private readonly served = new Set<Socket>();
  private server?: Server;
  private address: string | null = null;
  private readonly key: Buffer;

  constructor(
    private readonly config: AppConfig,
    private readonly cluster: MediaCluster,
    private readonly media: MediaBackend,
  ) {
    this.key = this.config.MEDIA_RELAY_SECRET
      ? Buffer.from(this.config.MEDIA_RELAY_SECRET)
      : createHmac('sha256', this.config.jwtSecret).update('finserve media relay').digest();
    cluster.setHooks(this);
  }

  async onModuleInit(): Promise<void> {
    if (!this.cluster.clustered || !relayCapable(this.media)) return;
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.MEDIA_RELAY_PORT, this.config.HOST, () => resolve());
    });
    const { port } = server.address() as { port: number };
    const host =
      this.config.MEDIA_NODE_ADDRESS ?? this.config.MEDIA_HOST_ADDRESSES[0] ?? '127.0.0.1';
    this.address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    // The other nodes learn the address from the next beat: now, not in a second.
    await this.cluster.beatNow();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const streamId of [...this.relays.keys()]) this.stop(streamId);
    for (const socket of this.served) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  relayAddress(): string | null {
    return this.address;
  }

  viewers(): number {
    return relayCapable(this.media)?.viewerCount() ?? 0;
  }

  relayFrom(streamId: string, homeNode: string): void {
    const existing = this.relays.get(streamId);
    if (existing?.home === homeNode) return;
    if (existing) this.stop(streamId);
    const relay: Relay = { home: homeNode, since: Date.now() };
    this.relays.set(streamId, relay);
    void this.open(streamId, relay);
  }

  homedHere(streamId: string): void {
    if (this.relays.has(streamId)) {
      this.logger.log(`stream ${streamId} is homed here now: its relay stops`);
      this.stop(streamId);
    }
  }

  ended(streamId: string): void {
    this.stop(streamId);
  }

  /** Open relays (streams this node serves from another node's copy). */
  get relayedStreams(): string[] {
    return [...this.relays.keys()];
  }

  private stop(streamId: string): void {
    const relay = this.relays.get(streamId);
    if (!relay) return;
    this.relays.delete(streamId);
    clearTimeout(relay.retry);
    relay.socket?.destroy();
    relay.ingest?.close();
  }

  /** This node's side of a relay to another node: opened with a valid hello, fed from the tap. */
  private serve(socket: Socket): void {
    const backend = relayCapable(this.media);
    if (!backend) {
      socket.destroy();
      return;
    }
    this.served.add(socket);
    socket.setNoDelay(true);
    let tap: ReturnType<RelayCapableBackend['tapFeed']> | undefined;
    const helloTimer = setTimeout(() => socket.destroy(), 5000);
    helloTimer.unref();
    socket.on(
      'data',
      frameReader(
        (type, payload) => {
          if (!tap) {
            const hello = type === HELLO ? parseJson<Hello>(payload) : undefined;
            if (!validRelayHello(this.key, hello, Date.now())) {
              this.logger.warn(
                `refused a media relay from ${socket.remoteAddress ?? '?'}: bad opening`,
              );
              socket.destroy();
              return;
            }
            clearTimeout(helloTimer);
            tap = backend.tapFeed(hello.streamId, (batch) => {
              if (socket.destroyed) return;
              if (socket.writableLength > MAX_BUFFERED_BYTES) {
                this.logger.warn(
                  `media relay of ${hello.streamId} to ${hello.node} fell behind: dropped`,
                );
                socket.destroy();
                return;
              }
              writeFrame(socket, BATCH, batch);
            });
            return;
          }
          if (type === UP) tap.requestKeyframe(parseJson<Up>(payload)?.layer);
        },
        () => MAX_HELLO_BYTES, // the other side only sends its opening and keyframe requests
        () => socket.destroy(),
      ),
    );
    const close = () => {
      clearTimeout(helloTimer);
      this.served.delete(socket);
      tap?.close();
      tap = undefined;
    };
    socket.on('close', close);
    socket.on('error', () => socket.destroy());
  }

  /** The other side: connects to the home node and feeds this node's workers. */
  private async open(streamId: string, relay: Relay): Promise<void> {
    const backend = relayCapable(this.media);
    if (!backend || this.relays.get(streamId) !== relay) return;
    const info = await this.cluster.node(relay.home).catch(() => null);
    if (this.relays.get(streamId) !== relay) return;
    if (!info?.relay) {
      this.reconnect(streamId, relay);
      return;
    }
    const [, host, port] = /^\[?(.+?)\]?:(\d+)$/.exec(info.relay) ?? [];
    const socket = connect(Number(port), host);
    relay.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const hello = relayHello(
        this.key,
        streamId,
        this.cluster.nodeId,
        Date.now() + HELLO_VALIDITY_MS,
      );
      writeFrame(socket, HELLO, Buffer.from(JSON.stringify(hello)));
      relay.ingest = backend.relayFrom(streamId, {
        requestKeyframe: (layer) => {
          if (!socket.destroyed)
            writeFrame(socket, UP, Buffer.from(JSON.stringify({ layer } satisfies Up)));
        },
      });
      this.logger.log(`relaying stream ${streamId} from node ${relay.home} (${info.relay})`);
    });
    socket.on(
      'data',
      frameReader(
        (type, payload) => {
          if (type === BATCH) relay.ingest?.push(payload);
        },
        () => MAX_FRAME_BYTES,
        () => socket.destroy(),
      ),
    );
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      relay.ingest?.close();
      relay.ingest = undefined;
      relay.socket = undefined;
      this.reconnect(streamId, relay);
    });
  }

  /**
   * A relay that dropped comes back while this node serves viewers of the stream: from its home,
   * which may have moved (its node died and the publisher reconnected elsewhere).
   */
  private reconnect(streamId: string, relay: Relay): void {
    if (this.relays.get(streamId) !== relay) return;
    clearTimeout(relay.retry);
    relay.retry = setTimeout(() => {
      void (async () => {
        if (this.relays.get(streamId) !== relay) return;
        const backend = relayCapable(this.media);
        // No viewer of it here any more (the first one asked for the relay before joining).
        if (
          !backend ||
          (backend.streamSessions(streamId) === 0 && Date.now() - relay.since > RELAY_GRACE_MS)
        ) {
          this.relays.delete(streamId);
          return;
        }
        const home = await this.cluster.homeOf(streamId, false).catch(() => null);
        if (this.relays.get(streamId) !== relay) return;
        if (home === this.cluster.nodeId) {
          this.relays.delete(streamId);
          return;
        }
        if (home) relay.home = home;
        void this.open(streamId, relay);
      })();
    }, RECONNECT_MS);
    relay.retry.unref();
  }
}

function parseJson<T>(payload: Buffer): T | undefined {
  try {
    return JSON.parse(payload.toString()) as T;
  } catch {
    return undefined;
  }
}
