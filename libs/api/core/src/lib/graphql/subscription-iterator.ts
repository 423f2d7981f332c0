import {
  CHANNEL_SOURCE,
  markEventOrigin,
  type ChannelSource,
  type ChannelSubscription,
} from './subscription-fanout';

export type SubscriptionIterator<T> = AsyncIterableIterator<T> & {
  return(): Promise<IteratorResult<T>>;
};

/**
 * An async iterator for a GraphQL subscription: optional initial values, then the values of a
 * source iterator (the event bus), mapped and filtered, until one matches `last` (yielded, then the
 * subscription completes). `return()` (unsubscribe, complete, socket closed) takes effect at once,
 * even while waiting for the next event, and runs `onClose` exactly once. (An async generator
 * would only run its `finally` after the next event arrived.)
 *
 * `map` must compute the value from the event alone (side effects are fine): subscribers of the
 * same event with the same operation share one execution of it (SubscriptionFanout).
 */
export function subscriptionIterator<E, T>(options: {
  initial?: T[];
  source: AsyncIterator<E>;
  map: (event: E) => T | undefined | Promise<T | undefined>;
  last?: (value: T) => boolean;
  onClose?: () => void | Promise<void>;
}): SubscriptionIterator<T> {
  const queue = [...(options.initial ?? [])];
  let finished = false;
  let closed: Promise<void> | undefined;
  // Resolves when closed, so a next() waiting on the source ends too (some sources' return()
  // leaves a pending next() unresolved).
  let signalClosed!: () => void;
  const closedSignal = new Promise<IteratorResult<E>>((resolve) => {
    signalClosed = () => resolve({ value: undefined, done: true });
  });

  const close = (): Promise<void> =>
    (closed ??= (async () => {
      finished = true;
      signalClosed();
      await Promise.allSettled([options.source.return?.(), options.onClose?.()]);
    })());

  const done = (): IteratorResult<T> => ({ value: undefined, done: true });

  const iterator: SubscriptionIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      while (!finished) {
        const queued = queue.shift();
        if (queued !== undefined) {
          if (options.last?.(queued)) await close();
          return { value: queued, done: false };
        }
        const event = await Promise.race([options.source.next(), closedSignal]);
        if (finished) return done();
        if (event.done) {
          await close();
          return done();
        }
        const value = await options.map(event.value);
        if (value !== undefined) {
          markEventOrigin(value, event.value);
          queue.push(value);
        }
      }
      return done();
    },
    async return(): Promise<IteratorResult<T>> {
      await close();
      return done();
    },
    async throw(error: unknown): Promise<IteratorResult<T>> {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * A subscription to one bus channel whose values depend on the event alone (chat, tips, the live
 * list): the shape of subscription that thousands of viewers hold at once. SubscriptionFanout
 * serves it without iterating it: one bus subscription and one execution per event for every
 * subscriber of the same operation. Iterated directly, it subscribes to the channel on its first
 * `next()` and behaves as subscriptionIterator.
 */
export function channelSubscription<E, T>(source: ChannelSource<E, T>): ChannelSubscription<T> {
  let inner: SubscriptionIterator<T> | undefined;
  let closed = false;
  const iterate = () =>
    (inner ??= subscriptionIterator<E, T>({
      source: source.bus.asyncIterableIterator<E>(source.channel),
      map: source.map,
      last: source.last,
      onClose: source.onClose,
    }));
  const subscription: ChannelSubscription<T> = {
    [CHANNEL_SOURCE]: source as unknown as ChannelSource,
    next: () => (closed ? Promise.resolve({ value: undefined, done: true }) : iterate().next()),
    async return() {
      if (!closed && !inner) await source.onClose?.();
      closed = true;
      return inner ? inner.return() : { value: undefined, done: true };
    },
    async throw(error: unknown) {
      await subscription.return();
      throw error;
    },
    [Symbol.asyncIterator]: () => subscription,
  };
  return subscription;
}
