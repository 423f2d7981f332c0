import { randomUUID } from 'node:crypto';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';

import { AppConfig, encodeEvent, PUB_SUB, REDIS, type EventBus } from '@finserve/api/core';
import type { MediaRequest } from '@finserve/api/media';

import { MediaBackend, MediaRequestError } from './media-backend';

/** How long a node counts as alive without a heartbeat (it beats every NODE_BEAT_MS). */
const NODE_TTL_MS = 3000;
const NODE_BEAT_MS = 1000;
/** A stream's home lease; renewed every HOME_RENEW_MS while the home node holds the stream. */
const HOME_LEASE_MS = 15_000;
const HOME_RENEW_MS = 3000;
const RPC_TIMEOUT_MS = 10_000;
const END_STREAM_TIMEOUT_MS = 4 * 60 * 60_000;

/** What a node tells the others about itself (Redis `media:node:<id>`, expires after NODE_TTL_MS). */
export interface MediaNodeInfo {
  id: string;
  /** host:port of its node-to-node relay (null until it listens). */
  relay: string | null;
  /** http://host:port of its API (HLS of the streams homed there is fetched from it). */
  http?: string | null;
  /** Viewing sessions it serves now, and its limit (0: none). */
  viewers: number;
  maxViewers: number;
}

interface RpcCall {
  id: string;
  from: string;
  streamId: string;
  request: MediaRequest;
}

interface RpcReply {
  id: string;
  ok: boolean;
  result?: unknown;
  error?: string;
  code?: string;
}

/** Hooks the relay layer gives the cluster (media-relay.ts): what to do before a local request. */
export interface MediaNodeHooks {
  /** The stream is homed elsewhere and this node is about to serve viewers of it: relay it here. */
  relayFrom(streamId: string, homeNode: string): void;
  /** This node became the stream's home (its publisher is here): stop relaying it from elsewhere. */
  homedHere(streamId: string): void;
  /** The stream ended: stop relaying it. */
  ended(streamId: string): void;
  /** Viewing sessions this node serves now. */
  viewers(): number;
  /** host:port of this node's relay server, once it listens. */
  relayAddress(): string | null;
}

const CLAIM_HOME = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
  return ARGV[1]
end
return current`;

const RENEW_HOME = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE_HOME = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * The media plane across API instances (LiveKit's Redis routing, pkg/routing): every instance is
 * a media node with its own workers and UDP ports. A stream's media has a home node, recorded in
 * Redis (`media:home:<stream>`) with a lease the home renews while it holds the stream; a node
 * that stops beating (`media:node:<id>`, 3 s) loses its homes to the next node that needs one.
 * Requests for media on another node travel as Redis request/response messages on the event bus
 * (`media.rpc.<node>`), so any instance serves signaling for any stream and session.
 *
 * Without REDIS_URL there is one node: every request is local, as with a single process.
 */
@Injectable()
export class MediaCluster implements OnModuleInit, OnApplicationShutdown {
  readonly nodeId = randomUUID();
  private readonly logger = new Logger(MediaCluster.name);
  private readonly pending = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  /** Streams this node is home of (their lease is renewed). */
  private readonly homed = new Set<string>();
  private hooks?: MediaNodeHooks;
  private readonly goneListeners = new Map<string, Set<() => void>>();
  private readonly streamListeners: {
    published(streamId: string): void;
    ended(streamId: string): void;
  }[] = [];
  private lastWarning = 0;
  private beat?: NodeJS.Timeout;
  private renew?: NodeJS.Timeout;
  private subscriptions: number[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly local: MediaBackend,
    @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  /** Several nodes share the media plane (REDIS_URL with the embedded SFU). */
  get clustered(): boolean {
    return this.redis !== null && this.config.MEDIA_BACKEND === 'embedded';
  }

  setHooks(hooks: MediaNodeHooks): void {
    this.hooks = hooks;
  }

  /**
   * Listens for streams published on this node (it is their home: it packages them for HLS) and
   * for streams that end here.
   */
  onLocalStream(listener: {
    published(streamId: string): void;
    ended(streamId: string): void;
  }): void {
    this.streamListeners.push(listener);
  }

  async onModuleInit(): Promise<void> {
    if (!this.clustered) return;
    this.subscriptions.push(
      await this.bus.subscribe(
        rpcChannel(this.nodeId),
        (call: RpcCall) => {
          void this.serve(call);
        },
        {},
      ),
      await this.bus.subscribe(
        `media.rpc-reply.${this.nodeId}`,
        (reply: RpcReply) => this.settle(reply),
        {},
      ),
    );
    this.beat = setInterval(() => void this.heartbeat(), NODE_BEAT_MS);
    this.beat.unref();
    this.renew = setInterval(() => void this.renewHomes(), HOME_RENEW_MS);
    this.renew.unref();
    await this.beatNow();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.beat);
    clearInterval(this.renew);
    for (const id of this.subscriptions) this.bus.unsubscribe(id);
    if (!this.redis || !this.clustered) return;
    // Leaving: the homes go at once (publishers reconnecting land on another node).
    await Promise.allSettled([
      this.redis.del(nodeKey(this.nodeId)),
      ...[...this.homed].map((streamId) => this.release(streamId)),
    ]);
  }

  /**
   * The stream's home node. With `claim`, a stream without a live home (none yet, or its node
   * died) gets this node as its home; without, null when it has none.
   */
  async homeOf(streamId: string, claim: boolean): Promise<string | null> {
    if (!this.redis || !this.clustered) return this.nodeId;
    try {
      return await this.lookUpHome(this.redis, streamId, claim);
    } catch (error) {
      // Redis is away: this node serves the stream by itself, as a single process would.
      this.warn(`Redis unavailable, media served locally: ${String(error)}`);
      return this.nodeId;
    }
  }

  private async lookUpHome(redis: Redis, streamId: string, claim: boolean): Promise<string | null> {
    const current = await redis.get(homeKey(streamId));
    if (current && (current === this.nodeId || (await this.isAlive(current)))) return current;
    if (!claim) return null;
    const winner = (await redis.eval(
      CLAIM_HOME,
      1,
      homeKey(streamId),
      this.nodeId,
      current ?? '',
      HOME_LEASE_MS,
    )) as string;
    if (current && winner === this.nodeId)
      this.logger.log(`stream ${streamId} moved here from node ${current}, which is gone`);
    return winner;
  }

  /**
   * The node a new viewer of a stream is served by: this one, unless it is full
   * (MEDIA_NODE_MAX_VIEWERS); then the least loaded node that is not. Null when every node is full.
   */
  async playNode(): Promise<string | null> {
    const max = this.config.mediaNodeMaxViewers;
    const viewers = this.hooks?.viewers() ?? 0;
    if (max === 0 || viewers < max) return this.nodeId;
    // One node and it is full: RATE_LIMITED (players fall back to HLS).
    if (!this.clustered) return null;
    const others = (await this.nodes().catch(() => [])).filter(
      (node) =>
        node.id !== this.nodeId && (node.maxViewers === 0 || node.viewers < node.maxViewers),
    );
    others.sort((a, b) => a.viewers - b.viewers);
    return others[0]?.id ?? null;
  }

  /** The live nodes and what they said of themselves last. */
  async nodes(): Promise<MediaNodeInfo[]> {
    if (!this.redis || !this.clustered)
      return [
        {
          id: this.nodeId,
          relay: null,
          viewers: this.hooks?.viewers() ?? 0,
          maxViewers: this.config.mediaNodeMaxViewers,
        },
      ];
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', 'media:node:*', 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys);
    return values.flatMap((value) => (value ? [JSON.parse(value) as MediaNodeInfo] : []));
  }

  async node(id: string): Promise<MediaNodeInfo | null> {
    if (!this.redis) return null;
    const value = await this.redis.get(nodeKey(id));
    return value ? (JSON.parse(value) as MediaNodeInfo) : null;
  }

  /**
   * Whether a node is alive: its beat is fresh AND it listens on its request channel. The second
   * tells at once when its process died (Redis sees its connections close), where the beat would
   * take up to NODE_TTL_MS; the first covers a machine that vanished without closing anything.
   */
  async isAlive(id: string): Promise<boolean> {
    // Not clustered (no Redis, or an external media service): no node ever goes away here.
    if (id === this.nodeId || !this.redis || !this.clustered) return true;
    const [[, exists], [, numsub]] = ((await this.redis
      .multi()
      .exists(nodeKey(id))
      .pubsub('NUMSUB', rpcChannel(id))
      .exec()) ?? [
      [null, 0],
      [null, []],
    ]) as [[unknown, number], [unknown, [string, number]]];
    return exists === 1 && Number(numsub[1]) > 0;
  }

  /**
   * Calls `listener` once when `node` is found dead (checked every second while someone listens):
   * the sessions it held are gone. Returns the way to stop listening.
   */
  onNodeGone(node: string, listener: () => void): () => void {
    if (node === this.nodeId || !this.clustered) return () => undefined;
    let listeners = this.goneListeners.get(node);
    if (!listeners) {
      listeners = new Set();
      this.goneListeners.set(node, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.goneListeners.get(node) === listeners)
        this.goneListeners.delete(node);
    };
  }

  /**
   * Runs a media request on `node` (this one: directly; another: over Redis). Before a local
   * publish the node takes the stream's home; before a local play of a stream homed elsewhere it
   * relays the stream from its home.
   */
  async request(node: string, streamId: string, request: MediaRequest): Promise<unknown> {
    // Not clustered (no Redis, or an external media service every instance talks to): local.
    if (node === this.nodeId || !this.clustered) return this.runLocal(streamId, request);
    if (!(await this.isAlive(node)))
      throw new MediaRequestError('the media node of this session is gone', 'NODE_GONE');
    const id = randomUUID();
    const timeoutMs = request.op === 'endStream' ? END_STREAM_TIMEOUT_MS : RPC_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new MediaRequestError(`media node did not answer ${request.op} in time`, 'NODE_GONE'),
        );
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      const call: RpcCall = { id, from: this.nodeId, streamId, request };
      // Straight to Redis (the bus's encoding): PUBLISH says how many listened, and a node that
      // died without a word has no listener left.
      void this.redis
        ?.publish(rpcChannel(node), encodeEvent(call))
        .then((receivers) => {
          if (receivers > 0 || !this.pending.delete(id)) return;
          clearTimeout(timer);
          reject(new MediaRequestError('the media node of this session is gone', 'NODE_GONE'));
        })
        .catch((error: unknown) => {
          if (!this.pending.delete(id)) return;
          clearTimeout(timer);
          reject(new MediaRequestError(`media request not sent: ${String(error)}`, 'NODE_GONE'));
        });
    });
  }

  /** Ends a stream on every node that holds part of it; the home's answer (its recording) returns. */
  async endStream(streamId: string): Promise<unknown> {
    if (!this.clustered) return this.runLocal(streamId, { op: 'endStream', streamId });
    const home = await this.homeOf(streamId, false);
    const nodes = (await this.nodes().catch(() => [])).map((n) => n.id);
    if (!nodes.includes(this.nodeId)) nodes.push(this.nodeId);
    const results = await Promise.all(
      nodes.map((node) =>
        this.request(node, streamId, { op: 'endStream', streamId }).then(
          (result) => ({ node, result }),
          (error: unknown) => {
            this.logger.warn(
              `ending stream ${streamId} on node ${node}: ${error instanceof Error ? error.message : String(error)}`,
            );
            return { node, result: undefined };
          },
        ),
      ),
    );
    return results.find((r) => r.node === home)?.result ?? results.find((r) => r.result)?.result;
  }

  private async runLocal(streamId: string, request: MediaRequest): Promise<unknown> {
    if (this.clustered) {
      if (request.op === 'publish') {
        const home = await this.homeOf(streamId, true);
        if (home !== this.nodeId)
          throw new MediaRequestError('this stream is homed on another node', 'NOT_HOME');
        this.homed.add(streamId);
        this.hooks?.homedHere(streamId);
      } else if (request.op === 'play') {
        const home = await this.homeOf(streamId, true);
        if (home === this.nodeId) {
          this.homed.add(streamId);
          this.hooks?.homedHere(streamId);
        } else if (home) this.hooks?.relayFrom(streamId, home);
      } else if (request.op === 'endStream') {
        this.hooks?.ended(streamId);
        if (this.homed.delete(streamId)) await this.release(streamId);
      }
    }
    if (request.op === 'endStream') {
      for (const listener of this.streamListeners) listener.ended(streamId);
      return this.local.endStream(streamId);
    }
    const result = await this.local.request(streamId, request);
    if (request.op === 'publish')
      for (const listener of this.streamListeners) listener.published(streamId);
    return result;
  }

  private async serve(call: RpcCall): Promise<void> {
    let reply: RpcReply;
    try {
      reply = { id: call.id, ok: true, result: await this.runLocal(call.streamId, call.request) };
    } catch (error) {
      reply = {
        id: call.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
        code: error instanceof MediaRequestError ? error.code : undefined,
      };
    }
    await this.bus.publish(`media.rpc-reply.${call.from}`, reply);
  }

  private settle(reply: RpcReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new MediaRequestError(reply.error ?? 'media request failed', reply.code));
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(message);
  }

  /**
   * Beats now (a node's relay address is known from its first beat on). At start-up the command
   * connection may still be in its handshake, where a command fails at once (no offline queue):
   * the beat waits for it (5 s at most), or the other nodes would see a node that answers its
   * requests without a beat, think it dead and take its streams.
   */
  async beatNow(): Promise<void> {
    await this.redisReady(5000);
    await this.heartbeat();
  }

  private async redisReady(timeoutMs: number): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once('ready', done);
    });
  }

  private async heartbeat(): Promise<void> {
    if (!this.redis) return;
    const host =
      this.config.MEDIA_NODE_ADDRESS ?? this.config.MEDIA_HOST_ADDRESSES[0] ?? '127.0.0.1';
    const info: MediaNodeInfo = {
      id: this.nodeId,
      relay: this.hooks?.relayAddress() ?? null,
      http: `http://${host.includes(':') ? `[${host}]` : host}:${this.config.PORT}`,
      viewers: this.hooks?.viewers() ?? 0,
      maxViewers: this.config.mediaNodeMaxViewers,
    };
    await this.redis
      .set(nodeKey(this.nodeId), JSON.stringify(info), 'PX', NODE_TTL_MS)
      .catch(() => undefined);
    for (const [node, listeners] of [...this.goneListeners]) {
      if (await this.isAlive(node).catch(() => true)) continue;
      this.goneListeners.delete(node);
      for (const listener of listeners) listener();
    }
  }

  private async renewHomes(): Promise<void> {
    if (!this.redis) return;
    for (const streamId of this.homed) {
      const renewed = await this.redis
        .eval(RENEW_HOME, 1, homeKey(streamId), this.nodeId, HOME_LEASE_MS)
        .catch(() => 1);
      // Another node took it (this one was thought gone): it is the home now.
      if (renewed === 0) this.homed.delete(streamId);
    }
  }

  private async release(streamId: string): Promise<void> {
    await this.redis?.eval(RELEASE_HOME, 1, homeKey(streamId), this.nodeId).catch(() => undefined);
  }
}

const nodeKey = (id: string) => `media:node:${id}`;
const rpcChannel = (id: string) => `media.rpc.${id}`;
const homeKey = (streamId: string) => `media:home:${streamId}`;
