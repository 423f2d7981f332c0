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

const origins = new WeakMap<object, object>();
const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * Records that a subscription value was made from a bus event (subscriptionIterator does this):
 * values made from the same event by the same operation are one execution.
 */
export function markEventOrigin(value: unknown, event: unknown): void {
  if (isObject(value) && isObject(event)) origins.set(value, event);
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

/**
 * The subscription as graphql-ws sees it: it yields nothing and ends when the subscription ends;
 * the events themselves are written to the socket by the fan-out (see SubscriptionFanout).
 */
export class FanoutSubscription implements AsyncIterableIterator<never> {
  private socket?: FanoutSocket;
  private prefix?: Buffer;
  private pending: SharedPayload[] = [];
  private finished = false;
  private failure?: Error;
  private settle?: { resolve: (r: IteratorResult<never>) => void; reject: (e: Error) => void };

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly execution: (value: unknown) => Promise<SharedPayload>,
    private readonly maxBufferedBytes: number,
  ) {
    void this.pump();
  }

  /** The socket and the operation id the `next` messages go out with (graphql-ws onOperation). */
  attach(socket: FanoutSocket, id: string): void {
    this.socket = socket;
    this.prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    for (const payload of this.pending.splice(0)) this.deliver(payload);
  }

  next(): Promise<IteratorResult<never>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<never>> {
    this.end();
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error instanceof Error ? error : new Error(String(error));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }

  private async pump(): Promise<void> {
    try {
      while (!this.finished) {
        const next = await this.source.next();
        if (next.done || this.finished) break;
        const payload = await this.execution(next.value);
        if (this.finished) break;
        if (this.socket) this.deliver(payload);
        else this.pending.push(payload);
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.settle?.reject(this.failure);
      this.settle = undefined;
    } finally {
      await this.source.return?.();
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

  private end(): void {
    this.finished = true;
    this.pending = [];
    this.settle?.resolve({ value: undefined, done: true });
    this.settle = undefined;
  }
}

/**
 * Runs GraphQL subscriptions so that an event costs one execution per distinct operation, not one
 * per subscriber. Each subscriber keeps its own source stream (authorization, presence, initial
 * values and filters stay per subscriber), but subscribers whose document, variables and
 * authorization scope are identical share the execution of the same bus event: the first
 * executes it and serializes the payload once, the others reuse those bytes, and only the
 * graphql-ws envelope (the subscription id) differs per socket. A socket whose send buffer grows
 * past `maxBufferedBytes` is closed (1013) instead of growing memory; its client reconnects and
 * resumes.
 */
export class SubscriptionFanout {
  /** Executions of subscription events so far (shared ones count once). */
  executions = 0;
  private readonly shared = new WeakMap<object, Map<string, Promise<SharedPayload>>>();

  constructor(private readonly options: FanoutOptions) {}

  async subscribe(args: ExecutionArgs): Promise<FanoutSubscription | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const key = [
      scopeOf(args.contextValue as GraphQLContext | undefined),
      args.operationName ?? '',
      JSON.stringify(args.variableValues ?? {}),
      printed(args.document),
    ].join('\n');
    return new FanoutSubscription(
      source[Symbol.asyncIterator](),
      (value) => this.execution(value, key, args),
      this.options.maxBufferedBytes,
    );
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
