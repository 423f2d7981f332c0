import { Logger } from '@nestjs/common';
import { PubSubEngine } from 'graphql-subscriptions';
import { Redis } from 'ioredis';

type Handler = (message: unknown) => void;

const DATE_TAG = '$date';

/** JSON with Dates kept as Dates (tagged), so events look the same on every instance. */
export function encodeEvent(payload: unknown): string {
  return JSON.stringify(payload, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : value;
  });
}

export function decodeEvent(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      const date = tagged[DATE_TAG];
      if (typeof date === 'string' && Object.keys(tagged).length === 1) return new Date(date);
    }
    return value;
  });
}

/**
 * The event bus between API instances (REDIS_URL): every publish goes to Redis on the trigger's
 * own channel (one per stream and kind: `chat.<id>`, `stream.<id>`..., never PSUBSCRIBE); each
 * instance SUBSCRIBEs to a channel while it has local listeners and UNSUBSCRIBEs after the last
 * one leaves. A message is decoded once per instance and the same object is handed to every
 * local listener, so subscribers can share its execution (SubscriptionFanout).
 *
 * Redis carries notifications only: chat, tips and stream state live in PostgreSQL, so a publish
 * that fails while Redis is away is logged, not thrown, and delivered to this instance's own
 * subscribers (those elsewhere catch up from PostgreSQL); ioredis reconnects and re-subscribes by
 * itself.
 */
export class RedisEventBus extends PubSubEngine {
  private readonly logger = new Logger(RedisEventBus.name);
  private readonly channels = new Map<string, Map<number, Handler>>();
  private readonly handlerChannel = new Map<number, string>();
  private readonly subscribed = new Map<string, Promise<void>>();
  private nextId = 0;
  private lastWarning = 0;

  /** The bus on REDIS_URL: one connection publishes (fails fast while Redis is away), one listens. */
  static connect(url: string): RedisEventBus {
    return new RedisEventBus(
      new Redis(url, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectionName: 'finserve-events-pub',
      }),
      // SUBSCRIBEs wait for a reconnect rather than fail; ioredis re-subscribes after one.
      new Redis(url, {
        maxRetriesPerRequest: null,
        autoResubscribe: true,
        connectionName: 'finserve-events-sub',
      }),
    );
  }

  /** `publisher` is a normal connection; `subscriber` is put in subscriber mode. */
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
  ) {
    super();
    // Connection errors are reported here (ioredis retries by itself), once per 10 s at most.
    for (const connection of [publisher, subscriber])
      connection.on('error', (error: Error) => this.warn(`Redis: ${error.message}`));
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.deliver(channel.toString(), message),
    );
  }

  async publish(trigger: string, payload: unknown): Promise<void> {
    try {
      await this.publisher.publish(trigger, encodeEvent(payload));
    } catch (error) {
      this.warn(
        `event not sent through Redis (${trigger}), delivered on this instance only: ${String(error)}`,
      );
      // Redis is away: this instance's subscribers still get it; the others catch up later.
      const handlers = this.channels.get(trigger);
      if (handlers) for (const handler of handlers.values()) handler(payload);
    }
  }

  async subscribe(trigger: string, onMessage: Handler): Promise<number> {
    const id = ++this.nextId;
    let handlers = this.channels.get(trigger);
    if (!handlers) {
      handlers = new Map();
      this.channels.set(trigger, handlers);
      this.subscribed.set(trigger, this.subscribeWhenReady(trigger));
    }
    handlers.set(id, onMessage);
    this.handlerChannel.set(id, trigger);
    // Whoever subscribes to a channel returns only once Redis has confirmed the SUBSCRIBE, so an
    // event published after this resolves reaches the handler. While Redis is away nothing can be
    // published anyway: the SUBSCRIBE waits in ioredis's queue and nobody waits for it.
    if (this.subscriber.status === 'ready') await this.subscribed.get(trigger);
    return id;
  }

  /**
   * SUBSCRIBE once the connection is ready. One sent while it is still connecting makes ioredis
   * treat the connection as a subscriber before its handshake ends: the ready check (INFO) is
   * refused ("Connection in subscriber mode"), the connection restarts and the SUBSCRIBE is lost.
   * Once ready, ioredis itself re-subscribes after a reconnect.
   */
  private async subscribeWhenReady(trigger: string): Promise<void> {
    if (this.subscriber.status !== 'ready')
      await new Promise<void>((resolve) => this.subscriber.once('ready', () => resolve()));
    if (!this.channels.has(trigger)) return; // unsubscribed meanwhile
    await this.subscriber.subscribe(trigger).catch((error: unknown) => {
      this.warn(`Redis: SUBSCRIBE ${trigger} failed: ${String(error)}`);
    });
  }

  unsubscribe(id: number): void {
    const trigger = this.handlerChannel.get(id);
    if (trigger === undefined) return;
    this.handlerChannel.delete(id);
    const handlers = this.channels.get(trigger);
    handlers?.delete(id);
    if (handlers && handlers.size === 0) {
      this.channels.delete(trigger);
      this.subscribed.delete(trigger);
      this.subscriber.unsubscribe(trigger).catch(() => undefined);
    }
  }

  /** Channels this instance listens to (for tests and metrics). */
  get channelCount(): number {
    return this.channels.size;
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.handlerChannel.clear();
    this.subscribed.clear();
    await Promise.allSettled([this.subscriber.quit(), this.publisher.quit()]);
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < 10_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(message);
  }

  private deliver(channel: string, message: Buffer): void {
    const handlers = this.channels.get(channel);
    if (!handlers || handlers.size === 0) return;
    let event: unknown;
    try {
      event = decodeEvent(message.toString('utf8'));
    } catch {
      this.logger.warn(`undecodable event on ${channel} ignored`);
      return;
    }
    for (const handler of handlers.values()) handler(event);
  }
}
