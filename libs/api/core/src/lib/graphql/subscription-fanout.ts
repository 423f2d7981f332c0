import { Logger } from '@nestjs/common';
import {
  createSourceEventStream,
  execute,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';

import type { GraphQLContext } from '../auth-context/auth-user';
import type { EventBus } from '../pubsub/pubsub';

const origins = new WeakMap<object, object>();
const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * Records that a subscription value was made from a bus event (subscriptionIterator does this):
 * values made from the same event by the same operation are one execution.
 */
export function markEventOrigin(value: unknown, event: unknown): void {
  if (isObject(value) && isObject(event)) origins.set(value, event);
}

/**
 * What a subscription served from one bus channel is made of (channelSubscription makes it), for
 * SubscriptionFanout to serve every subscriber of the same operation from one bus subscription,
 * with no iterator, queue or promise per subscriber.
 */
export interface ChannelSource<E = unknown, T = unknown> {
  bus: EventBus;
  channel: string;
  /**
   * Computes the value from the event alone, with no side effects: it runs once per event for
   * all subscribers of an operation. Undefined skips the event.
   */
  map: (event: E) => T | undefined | Promise<T | undefined>;
  /** The value after which the subscription completes. */
  last?: (value: T) => boolean;
  /** Runs once when this subscriber's subscription ends, however it ends. */
  onClose?: () => void | Promise<void>;
}

export const CHANNEL_SOURCE = Symbol('channelSource');

export type ChannelSubscription<T> = AsyncIterableIterator<T> & {
  return(): Promise<IteratorResult<T>>;
  readonly [CHANNEL_SOURCE]: ChannelSource;
};

/** The channel source of a subscription made by channelSubscription, if it is one. */
export function channelSourceOf(iterator: unknown): ChannelSource | undefined {
  return isObject(iterator) && CHANNEL_SOURCE in iterator
    ? (iterator as ChannelSubscription<unknown>)[CHANNEL_SOURCE]
    : undefined;
}

/** The socket a fan-out subscription writes to (the `ws` WebSocket's relevant part). */
export interface FanoutSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }): void;
  close(code: number, reason: string): void;
}

export interface FanoutOptions {
  /** Bytes a socket may have waiting to be sent before it counts as a slow consumer. */
  maxBufferedBytes: number;
  /** Shapes errors as everywhere else (codes, no internals). */
  formatError: (error: GraphQLError) => GraphQLFormattedError;
}

/** Close code for a slow consumer: 1013 "Try Again Later" (graphql-ws clients reconnect). */
export const WS_CLOSE_SLOW_CONSUMER = 1013;
const OPEN = 1;
const SUFFIX = Buffer.from('}');

/** An event's payload, executed and serialized once for every subscriber that shares it. */
interface SharedPayload {
  bytes: Buffer;
}

const DONE: IteratorResult<never> = { value: undefined, done: true };

/**
 * The subscription as graphql-ws sees it: it yields nothing and ends when the subscription ends;
 * the events themselves are written to the socket by the fan-out (see SubscriptionFanout). It is
 * fed either by pumping a source iterator of its own, or by the ChannelGroup it is a member of.
 */
export class FanoutSubscription implements AsyncIterableIterator<never> {
  private socket?: FanoutSocket;
  private prefix?: Buffer;
  private pending?: SharedPayload[];
  private finished = false;
  private failure?: Error;
  private settle?: { resolve: (r: IteratorResult<never>) => void; reject: (e: Error) => void };

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly source?: AsyncIterator<unknown>,
    execution?: (value: unknown) => Promise<SharedPayload>,
    private onEnd?: () => void,
  ) {
    if (source && execution) void this.pump(source, execution);
  }

  /** The socket and the operation id the `next` messages go out with (graphql-ws onOperation). */
  attach(socket: FanoutSocket, id: string): void {
    this.socket = socket;
    this.prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    const pending = this.pending;
    this.pending = undefined;
    for (const payload of pending ?? []) this.deliver(payload);
  }

  /** An event's payload for this subscriber: sent, or kept until the socket is attached. */
  push(payload: SharedPayload): void {
    if (this.finished) return;
    if (this.socket) this.deliver(payload);
    else (this.pending ??= []).push(payload);
  }

  next(): Promise<IteratorResult<never>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.finished) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<never>> {
    this.end();
    await this.source?.return?.();
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error instanceof Error ? error : new Error(String(error));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }

  /** Ends the subscription: graphql-ws sends `complete` (unless it ended it itself). */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending = undefined;
    this.settle?.resolve(DONE);
    this.settle = undefined;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }

  private async pump(
    source: AsyncIterator<unknown>,
    execution: (value: unknown) => Promise<SharedPayload>,
  ): Promise<void> {
    try {
      while (!this.finished) {
        const next = await source.next();
        if (next.done || this.finished) break;
        this.push(await execution(next.value));
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.settle?.reject(this.failure);
      this.settle = undefined;
    } finally {
      await source.return?.();
      this.end();
    }
  }

  /** One frame per event: this subscription's envelope around the shared payload bytes. */
  private deliver(payload: SharedPayload): void {
    const socket = this.socket;
    if (!socket || !this.prefix || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      socket.close(
        WS_CLOSE_SLOW_CONSUMER,
        `Slow consumer: over ${this.maxBufferedBytes} bytes undelivered`,
      );
      this.end();
      return;
    }
    socket.send(Buffer.concat([this.prefix, payload.bytes, SUFFIX]), { binary: false });
  }
}

/**
 * Every subscriber of one operation (document, variables, scope) on one bus channel: one bus
 * subscription, one execution per event, the payload pushed to each member in event order.
 */
interface ChannelGroup {
  readonly key: string;
  readonly source: ChannelSource;
  /** The first member's arguments: every member's would execute to the same payload. */
  readonly args: ExecutionArgs;
  readonly members: Set<FanoutSubscription>;
  readonly subscribed: Promise<number>;
  /** Events are processed one after the other (map and execute are asynchronous). */
  tail: Promise<void>;
}

/**
 * Runs GraphQL subscriptions so that an event costs one execution per distinct operation, not one
 * per subscriber; subscribers whose document, variables and authorization scope are identical
 * share the execution of each bus event and its serialized payload, and only the graphql-ws
 * envelope (the subscription id) differs per socket.
 *
 * - A subscription made by channelSubscription (chat, tips, the live list: what thousands hold at
 *   once) joins the ChannelGroup of its channel and operation: one bus subscription and one
 *   execution per event for the whole group, and nothing per subscriber but its membership.
 * - Any other subscription (per-subscriber state, initial values, side effects) keeps its own
 *   source iterator; values made from the same bus event (markEventOrigin) are still executed
 *   once per operation.
 *
 * A socket whose send buffer grows past `maxBufferedBytes` is closed (1013) instead of growing
 * memory; its client reconnects and resumes.
 */
export class SubscriptionFanout {
  /** Executions of subscription events so far (shared ones count once). */
  executions = 0;
  private readonly logger = new Logger(SubscriptionFanout.name);
  private readonly shared = new WeakMap<object, Map<string, Promise<SharedPayload>>>();
  private readonly groups = new Map<string, ChannelGroup>();

  constructor(private readonly options: FanoutOptions) {}

  /** The member counts of a channel's groups, one per distinct operation (tests, metrics). */
  groupSizes(channel: string): number[] {
    return [...this.groups.values()]
      .filter((group) => group.source.channel === channel)
      .map((group) => group.members.size)
      .sort((a, b) => a - b);
  }

  async subscribe(args: ExecutionArgs): Promise<FanoutSubscription | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const key = [
      scopeOf(args.contextValue as GraphQLContext | undefined),
      args.operationName ?? '',
      JSON.stringify(args.variableValues ?? {}),
      printed(args.document),
    ].join('\n');
    const channel = channelSourceOf(source);
    if (channel) return this.join(channel, key, args);
    return new FanoutSubscription(
      this.options.maxBufferedBytes,
      source[Symbol.asyncIterator](),
      (value) => this.execution(value, key, args),
    );
  }

  private async join(
    source: ChannelSource,
    operationKey: string,
    args: ExecutionArgs,
  ): Promise<FanoutSubscription> {
    const key = `${source.channel}\n${operationKey}`;
    let group = this.groups.get(key);
    if (!group) {
      const members = new Set<FanoutSubscription>();
      const created: ChannelGroup = {
        key,
        source,
        args,
        members,
        tail: Promise.resolve(),
        subscribed: source.bus.subscribe(
          source.channel,
          (event: unknown) => this.enqueue(created, event),
          {},
        ),
      };
      group = created;
      this.groups.set(key, group);
    }
    const joined = group;
    const member: FanoutSubscription = new FanoutSubscription(
      this.options.maxBufferedBytes,
      undefined,
      undefined,
      () => this.leave(joined, member, source),
    );
    joined.members.add(member);
    try {
      await joined.subscribed;
    } catch (error) {
      member.end();
      throw error;
    }
    return member;
  }

  private leave(group: ChannelGroup, member: FanoutSubscription, source: ChannelSource): void {
    group.members.delete(member);
    if (source.onClose) {
      Promise.resolve()
        .then(source.onClose)
        .catch((error: unknown) => this.logger.error(`subscription close: ${String(error)}`));
    }
    if (group.members.size || this.groups.get(group.key) !== group) return;
    this.groups.delete(group.key);
    group.subscribed.then(
      (id) => {
        group.source.bus.unsubscribe(id);
      },
      () => undefined,
    );
  }

  private enqueue(group: ChannelGroup, event: unknown): void {
    group.tail = group.tail
      .then(() => this.publish(group, event))
      .catch((error: unknown) =>
        this.logger.error(`subscription event on ${group.source.channel}: ${String(error)}`),
      );
  }

  private async publish(group: ChannelGroup, event: unknown): Promise<void> {
    if (!group.members.size) return;
    const value = await group.source.map(event);
    if (value === undefined || !group.members.size) return;
    const payload = await this.run(value, group.args);
    for (const member of group.members) member.push(payload);
    if (group.source.last?.(value)) for (const member of [...group.members]) member.end();
  }

  private execution(value: unknown, key: string, args: ExecutionArgs): Promise<SharedPayload> {
    const origin = isObject(value) ? origins.get(value) : undefined;
    // Values that are not bus events (a subscription's initial state) are executed alone.
    if (!origin) return this.run(value, args);
    let byOperation = this.shared.get(origin);
    if (!byOperation) {
      byOperation = new Map();
      this.shared.set(origin, byOperation);
    }
    let payload = byOperation.get(key);
    if (!payload) {
      payload = this.run(value, args);
      byOperation.set(key, payload);
    }
    return payload;
  }

  private async run(value: unknown, args: ExecutionArgs): Promise<SharedPayload> {
    this.executions++;
    const result = await execute({ ...args, rootValue: value });
    const formatted = {
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(result.errors?.length ? { errors: result.errors.map(this.options.formatError) } : {}),
    };
    return { bytes: Buffer.from(JSON.stringify(formatted)) };
  }
}

const printedDocuments = new WeakMap<DocumentNode, string>();

/** The document's text, once per (shared, cached) document. */
function printed(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) {
    text = print(document);
    printedDocuments.set(document, text);
  }
  return text;
}

/** What a payload may depend on besides the document and variables: the caller's role. */
function scopeOf(context: GraphQLContext | undefined): string {
  return context?.user ? `role:${context.user.role}` : 'anonymous';
}
